"""The privacy notice, a person's own data (download) and closing one's account."""

import io
import json
import re
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pollen import clock
from pollen.accounts.models import AuthedRequest
from pollen.calls.models import Call
from pollen.domain.apply.calls import RetentionSpec
from pollen.privacy import selectors, services
from pollen.privacy.forms import CloseAccountForm


@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """« Données personnelles »: what is kept, why, how long (from the calls' files), rights."""
    calls = [(c, c.spec.retention) for c in Call.objects.filter(is_published=True)]
    return render(
        request,
        "privacy/notice.html",
        {
            "calls": calls,
            "defaults": RetentionSpec(),
            "dpo_email": settings.DPO_EMAIL,
            "controller": settings.DATA_CONTROLLER,
            "mail_days": settings.SENT_MAIL_KEPT_DAYS,
        },
    )


@login_required
@require_GET
def my_data(request: AuthedRequest) -> HttpResponse:
    return render(request, "privacy/my_data.html", {"dpo_email": settings.DPO_EMAIL})


def _safe_name(name: str) -> str:
    # The uploaded name is user input: no folders, nothing a file system would read specially.
    return re.sub(r"[^\w.\- ]", "_", name).strip(" .")[:120] or "document"


def _archive(data: dict[str, object], request: AuthedRequest) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        for document in selectors.documents_of_person(request.user):
            name = f"documents/{document.application_id}/{document.pk}-{_safe_name(document.original_name)}"
            try:
                with document.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except OSError:
                archive.writestr(name + ".absent.txt", _("Fichier introuvable."))
    return buffer.getvalue()


@login_required
@require_GET
def download(request: AuthedRequest) -> HttpResponse:
    """The right of access and to portability: JSON, or a ZIP with the JSON and the documents."""
    data = selectors.personal_data(request.user, clock.now())
    stamp = clock.now().strftime("%Y%m%d")
    if request.GET.get("format") == "zip":
        response = HttpResponse(_archive(data, request), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="pollen-mes-donnees-{stamp}.zip"'
        return response
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pollen-mes-donnees-{stamp}.json"'
    return response


@login_required
def close_account(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = CloseAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.close_account(acting_user=user, account=user)
        logout(request)
        messages.success(
            request,
            _(
                "Votre compte est fermé. Vos brouillons sont supprimés ; les candidatures déposées "
                "restent dans les archives du programme sans vous nommer."
            ),
        )
        return redirect("home")
    return render(
        request, "privacy/close_account.html", {"form": form, "dpo_email": settings.DPO_EMAIL}
    )
