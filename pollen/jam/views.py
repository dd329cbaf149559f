"""Jam pages: each view finds who asks in this jam, parses, calls one service, renders.

Live regions fetch `…/direct/?depuis=<revision>`: 204 while the jam's revision is unchanged
(one indexed read), the fresh fragment otherwise; every second, or when their stream says the
revision moved (streams.py; docs/decisions/0002-jam-live-updates.md).
"""

import json
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen import clock
from pollen.jam import followup as followup_selectors
from pollen.jam import forms, fragments, selectors, services, streams
from pollen.jam import invitations as invitation_files
from pollen.jam import jobs as jam_jobs
from pollen.jam import opendata as jam_opendata
from pollen.jam.models import Jam, Participant, Phase, Registration, WorkingGroup
from pollen.jobs.views import holder_of, see_job

Viewer = Participant | None


def _revision(jam: Jam, group: WorkingGroup | None = None) -> str:
    """What a screen shows has changed when this has: the jam's for the plenary; for a group's
    screen, the jam-wide stage and the group's own writes (one indexed read either way)."""
    if group is None:
        return str(Jam.objects.filter(pk=jam.pk).values_list("revision", flat=True)[0])
    stage, own = (
        WorkingGroup.objects.filter(pk=group.pk)
        .values_list("jam__stage_revision", "revision")
        .get()
    )
    return f"{stage}.{own}"


def _unchanged(request: HttpRequest, jam: Jam, group: WorkingGroup | None = None) -> bool:
    return request.GET.get("depuis", "") == _revision(jam, group)


def _still_shown(request: HttpRequest, slug: str, pk: int) -> bool:
    """A group screen's poll, most of the time: nothing changed since the revision it shows.
    Answered from one read, for a browser that holds a place in this jam (the session the
    middleware has already read): a 204 tells nothing of the content. Any other answer, and
    anyone else, goes through the full access check."""
    since = request.GET.get("depuis", "")
    if not since:
        return False
    found = selectors.group_revision(slug, pk)
    if found is None:
        return False
    jam_pk, revision = found
    return since == revision and str(jam_pk) in request.session.get(selectors.SESSION_KEY, {})


def jam_list(request: HttpRequest) -> HttpResponse:
    return render(request, "jam/list.html", {"jams": Jam.objects.all()})


def _detail_context(
    request: HttpRequest, jam: Jam, code_form: forms.RoomCodeForm
) -> dict[str, Any]:
    me = selectors.viewer(request, jam)
    link = request.build_absolute_uri(services.entry_path(me)) if me else ""
    return {
        "jam": jam,
        "me": me,
        "my_qr": _qr_svg(link) if me else "",
        "phases": jam.phases.all(),
        "groups": jam.groups.all(),
        "seats_left": max(jam.capacity - selectors.confirmed(jam).count(), 0),
        "code_form": code_form,
        "over": selectors.is_over(jam),
        "can_run": bool(selectors.can_run(me)),
        "can_decide": bool(selectors.can_decide(me)),
    }


def jam_detail(request: HttpRequest, slug: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    return render(request, "jam/detail.html", _detail_context(request, jam, forms.RoomCodeForm()))


def register(request: HttpRequest, slug: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    if selectors.is_over(jam):  # nothing to type: the page says so and where to go instead
        status = 409 if request.method == "POST" else 200
        return render(request, "jam/register.html", {"jam": jam, "over": True}, status=status)
    form = forms.RegistrationForm(request.POST or None, jam=jam)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            participant = services.register(
                jam=jam,
                full_name=data["full_name"],
                email=data["email"],
                organisation=data["organisation"],
                kind=data["kind"],
                preferences=form.preferences(),
                user=request.user if request.user.is_authenticated else None,
            )
        except services.JamError as exc:
            form.add_error(None, str(exc))
        else:
            selectors.remember(request, participant)
            if participant.registration == Registration.WAITLISTED:
                messages.warning(
                    request, _("Le jam est complet : vous êtes sur la liste d'attente.")
                )
            else:
                messages.success(
                    request,
                    _(
                        "Inscription confirmée. Votre lien personnel vous a été envoyé par courriel."
                    ),
                )
            return redirect("jam:detail", slug=jam.slug)
    return render(request, "jam/register.html", {"jam": jam, "form": form})


def enter(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    participant = selectors.participant_of_token(jam, token)
    me = selectors.viewer(request, jam)
    if participant is not None and me is not None and me != participant and selectors.can_run(me):
        # A facilitator's phone scanning a participant's QR code at the door: check-in, and
        # the facilitator stays who they are.
        return render(request, "jam/scan.html", {"jam": jam, "participant": participant})
    if participant is None:
        messages.error(
            request,
            _(
                "Ce lien n'est pas valable (révoqué, incomplet ou d'un autre jam). Entrez avec le code de salle et votre adresse."
            ),
        )
        return redirect("jam:detail", slug=jam.slug)
    selectors.remember(request, participant)
    return redirect("jam:room", slug=jam.slug)


@require_POST
def enter_with_code(request: HttpRequest, slug: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    form = forms.RoomCodeForm(request.POST)
    if form.is_valid():
        try:
            participant = services.enter_with_code(jam=jam, **form.cleaned_data)
        except services.JamError as exc:
            form.add_error(None, str(exc))
        else:
            selectors.remember(request, participant)
            return redirect("jam:room", slug=jam.slug)
    return render(request, "jam/detail.html", _detail_context(request, jam, form), status=400)


def _require(decision: Any) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


def _live_context(
    request: HttpRequest, jam: Jam, group: WorkingGroup, me: Viewer, revision: str = ""
) -> dict[str, Any]:
    return fragments.live_context(
        jam,
        group,
        me,
        revision=revision or _revision(jam, group),
        stream_url=streams.group_stream_url(request, jam, group),
    )


def _live_fragment(
    request: HttpRequest, jam: Jam, group: WorkingGroup, me: Viewer, revision: str = ""
) -> HttpResponse:
    """The group's fragment for this screen: a copy of the shared render when there is one
    (a poll, a vote in a burst), rendered once per revision otherwise."""
    context = _live_context(request, jam, group, me, revision)
    return HttpResponse(
        fragments.shared_group_live(
            get_token(request), context, lambda: fragments.proposals_of(group)
        )
    )


def _group_context(
    request: HttpRequest, jam: Jam, group: WorkingGroup, me: Viewer, revision: str = ""
) -> dict[str, Any]:
    return {
        **_live_context(request, jam, group, me, revision),
        **fragments.shown_context(jam, group),
        "can_post": selectors.can_post(me, group),
        "can_run": selectors.can_run(me, group),
        "can_synthesise": selectors.can_write_synthesis(me, group),
        "members": group.members.order_by("full_name") if selectors.can_run(me, group) else [],
        # who runs this group may move its members, towards the groups they run
        "movable_to": (
            [g for g in jam.groups.all() if selectors.can_run(me, g)]
            if selectors.can_run(me, group)
            else []
        ),
        "all_groups": jam.groups.all(),
    }


def room(request: HttpRequest, slug: str) -> HttpResponse:
    """A participant's screen: their group's proposals, live; the runners go to the console."""
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    _require(selectors.can_enter(me))
    assert me is not None
    group_pk = request.GET.get("groupe")
    if group_pk and group_pk.isdigit():
        group = selectors.access_group(jam, int(group_pk))
    elif me.group is not None:
        group = me.group
    elif me.role in selectors.RUNNERS:
        return redirect("jam:console", slug=jam.slug)
    else:
        return render(request, "jam/waiting.html", {"jam": jam, "me": me})
    _require(selectors.can_read_group(me, group))
    context = _group_context(request, jam, group, me)
    context.update(proposal_form=forms.ProposalForm(), comment_form=forms.CommentForm())
    return render(request, "jam/room.html", context)


def group_live(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if _still_shown(request, slug, pk):
        return HttpResponse(status=204)
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    group = selectors.access_group(jam, pk)
    _require(selectors.can_read_group(me, group))
    # As loaded just now: the content rendered below is at least as new as this revision.
    revision = f"{jam.stage_revision}.{group.revision}"
    if request.GET.get("depuis", "") == revision:
        return HttpResponse(status=204)
    return _live_fragment(request, jam, group, me, revision)


def _back(
    request: HttpRequest, jam: Jam, group: WorkingGroup | None = None, sent: str = ""
) -> HttpResponse:
    """Back to the page the form was on; `sent` names the draft the browser may now forget."""
    if request.POST.get("retour", "") == "console":
        return redirect("jam:console", slug=jam.slug)
    url = reverse("jam:room", args=[jam.slug])
    query = {"groupe": str(group.pk)} if group else {}
    if sent:
        query["envoye"] = sent
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _failed(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, str(exc))


def _sent(response: HttpResponse, draft: str) -> HttpResponse:
    """An HTMX answer to a form that was taken: the page forgets its draft (jam.js)."""
    response["HX-Trigger"] = json.dumps({"jam-sent": draft})
    return response


def _live_answer(
    request: HttpRequest, jam: Jam, group: WorkingGroup, me: Viewer, refusal: str = ""
) -> HttpResponse:
    """The group's fragment, as the answer to a form sent from it by HTMX: what was just
    written is in it, or the refusal above it (what was typed stays in its preserved form)."""
    if not refusal:  # the shared render, with this member's dots
        return _live_fragment(request, jam, group, me)
    context = _group_context(request, jam, group, me)
    context.update(live_refusal=refusal)
    return render(request, "jam/_group_live.html", context)


@require_POST
def post_proposal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    group = selectors.access_group(jam, pk)
    # The refusal pages below show the group's proposals: only to those who may read them.
    _require(selectors.can_read_group(me, group))
    form = forms.ProposalForm(request.POST)
    refusal = ""
    if form.is_valid():
        try:
            services.post_proposal(acting=me, group=group, **form.cleaned_data)
        except (services.JamError, PermissionDenied) as exc:
            refusal = str(exc)
    taken = form.is_valid() and not refusal
    if request.headers.get("HX-Request"):
        # From the page: the form comes back in place (its errors, or empty and the group's
        # fragment swapped beside it), no reload, and the page's stream stays open.
        context = {
            "jam": jam,
            "group": group,
            "can_post": selectors.can_post(me, group),
            "proposal_form": forms.ProposalForm() if taken else form,
            "refusal": refusal,
            "published": taken,
        }
        html = render_to_string("jam/_proposal_form.html", context, request)
        if not taken:
            return HttpResponse(html)
        # The group's fragment beside it: the form takes it into #live (hx-select-oob).
        live = _live_fragment(request, jam, group, me).content.decode()
        return _sent(HttpResponse(html + live), f"jam-proposal-{group.pk}")
    if not taken:
        # Kept in the page (and in the browser's draft): nothing typed is lost.
        context = _group_context(request, jam, group, me)
        context.update(proposal_form=form, comment_form=forms.CommentForm(), refusal=refusal)
        return render(request, "jam/room.html", context, status=409 if refusal else 400)
    messages.success(request, _("Proposition publiée."))
    return _back(request, jam, group, sent=f"jam-proposal-{group.pk}")


@require_POST
def comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    proposal = selectors.access_proposal(jam, pk)
    form = forms.CommentForm(request.POST)
    refusal = ""
    try:
        if not form.is_valid():
            raise services.JamError(
                " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        services.comment(acting=me, proposal=proposal, text=form.cleaned_data["text"])
    except (services.JamError, PermissionDenied) as exc:
        refusal = str(exc)
    draft = f"jam-comment-{proposal.pk}"
    if request.headers.get("HX-Request") and selectors.can_read_group(me, proposal.group):
        answer = _live_answer(request, jam, proposal.group, me, refusal)
        return answer if refusal else _sent(answer, draft)
    if refusal:
        messages.error(request, refusal)
        return _back(request, jam, proposal.group)
    return _back(request, jam, proposal.group, sent=draft)


@require_POST
def vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    proposal = selectors.access_proposal(jam, pk)
    refusal = ""
    try:
        if request.POST.get("retirer"):
            services.unvote(acting=me, proposal=proposal)
        else:
            services.vote(acting=me, proposal=proposal)
    except (services.JamError, PermissionDenied) as exc:
        refusal = str(exc)
    if request.headers.get("HX-Request") and selectors.can_read_group(me, proposal.group):
        # From the page (HTMX): the group's fragment at once, not the whole room again (a vote
        # burst is every participant voting within seconds).
        return _live_answer(request, jam, proposal.group, me, refusal)
    if refusal:
        messages.error(request, refusal)
    return _back(request, jam, proposal.group)


# The console and the projections -------------------------------------------------------------


PHASE_ACTIONS = {
    "demarrer": services.start_phase,
    "pause": services.pause_phase,
    "reprendre": services.resume_phase,
    "terminer": services.end_phase,
}


@require_POST
def phase_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    phase = Phase.objects.filter(jam=jam, pk=pk).first()
    if phase is None or action not in {*PHASE_ACTIONS, "prolonger"}:
        raise PermissionDenied(_("Action inconnue."))
    try:
        if action == "prolonger":
            minutes = request.POST.get("minutes", "5")
            services.extend_phase(
                acting=me, phase=phase, minutes=int(minutes) if minutes.isdigit() else 0
            )
        else:
            PHASE_ACTIONS[action](acting=me, phase=phase)
    except services.JamError as exc:
        _failed(request, exc)
    return redirect("jam:console", slug=jam.slug)


@require_POST
def openings(request: HttpRequest, slug: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    group_pk = request.POST.get("groupe", "")
    group = selectors.access_group(jam, int(group_pk)) if group_pk.isdigit() else None
    if request.POST.get("clore_vote") and group is not None:
        services.close_vote(acting=me, group=group)
    else:
        flags = {
            name: request.POST.get(name) == "1"
            for name in services.OPENINGS
            if name in request.POST
        }
        services.set_openings(acting=me, jam=jam, group=group, **flags)
    messages.success(request, _("C'est fait : tous les écrans sont à jour."))
    return redirect("jam:console", slug=jam.slug)


@require_POST
def broadcast(request: HttpRequest, slug: str) -> HttpResponse:
    jam = selectors.access_jam(slug)
    services.broadcast(
        acting=selectors.viewer(request, jam), jam=jam, message=request.POST.get("message", "")
    )
    return redirect("jam:console", slug=jam.slug)


@require_POST
def check_in(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    participant = Participant.objects.filter(jam=jam, pk=pk).first()
    if participant is None:
        raise PermissionDenied(_("Participant inconnu dans ce jam."))
    try:
        services.check_in(acting=selectors.viewer(request, jam), participant=participant)
    except services.JamError as exc:
        _failed(request, exc)
    else:
        messages.success(request, _("%(name)s est arrivé(e).") % {"name": participant.full_name})
    return redirect(f"{reverse('jam:console', args=[jam.slug])}?q={request.POST.get('q', '')}")


@require_POST
def seat_groups(request: HttpRequest, slug: str) -> HttpResponse:
    """Form the groups among those present, or re-balance them after late arrivals."""
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    try:
        if request.POST.get("action") == "reequilibrer":
            done = services.rebalance_groups(acting=me, jam=jam)
            names = dict(jam.participants.values_list("pk", "full_name"))
            themes = dict(jam.groups.values_list("pk", "theme"))
            moved = [f"{names[m.participant]} → {themes[m.to_group]}" for m in done.moves]
            messages.success(
                request,
                _("Groupes rééquilibrés : %(n)s personne(s) changent de groupe. %(who)s")
                % {"n": len(moved), "who": " ; ".join(moved)},
            )
        else:
            split = services.form_groups(acting=me, jam=jam)
            messages.success(
                request,
                _(
                    "Groupes formés (solution %(proof)s) : %(pairs)s paire(s) de collègues "
                    "dans un même groupe, %(points)s points de préférence."
                )
                % {
                    "proof": _("optimale prouvée") if split.optimal else _("non prouvée optimale"),
                    "pairs": split.same_organisation_pairs,
                    "points": split.preference_points,
                },
            )
    except services.JamError as exc:
        _failed(request, exc)
    return redirect("jam:console", slug=jam.slug)


@require_POST
def merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    group = selectors.access_group(jam, pk)
    ids = [int(i) for i in request.POST.getlist("propositions") if i.isdigit()]
    chosen = list(group.proposals.filter(pk__in=ids).select_related("author", "group"))
    try:
        services.merge(
            acting=me,
            proposals=chosen,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            lever=request.POST.get("lever", ""),
        )
    except services.JamError as exc:
        _failed(request, exc)
    else:
        messages.success(request, _("Propositions fusionnées."))
    return _back(request, jam, group)


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=6, dark="#000091")


def projection(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    """The room's screen: large type, the QR code to join, the live proposals or results."""
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    _require(selectors.can_run(me))
    group = selectors.access_group(jam, pk) if pk is not None else None
    join = request.build_absolute_uri(reverse("jam:detail", args=[jam.slug]))
    context = _projection_context(request, jam, group)
    context.update(me=me, qr=_qr_svg(join), join_url=join)
    return render(request, "jam/projection.html", context)


def _projection_context(
    request: HttpRequest, jam: Jam, group: WorkingGroup | None
) -> dict[str, Any]:
    if group is not None:
        visible = group.vote_closed
        proposals = selectors.group_proposals(group)
    else:
        visible = not jam.groups.filter(vote_closed=False).exists()
        proposals = selectors.ranked_proposals(jam)
    if visible and group is not None:
        proposals = proposals.order_by(F("dots").desc(), "created_at")
    elif not visible:  # the order would give the results away before the vote closes
        proposals = proposals.order_by("group__position", "created_at", "id")
    return {
        "jam": jam,
        "group": group,
        "clock": selectors.agenda(jam),
        "server_now": clock.now(),
        "revision": _revision(jam, group),
        "stream_url": streams.projection_stream_url(request, jam, group),
        "proposals": proposals,
        "results_visible": group.vote_closed
        if group
        else not jam.groups.filter(vote_closed=False).exists(),
    }


def projection_live(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    jam = selectors.access_jam(slug)
    _require(selectors.can_run(selectors.viewer(request, jam)))
    group = selectors.access_group(jam, pk) if pk is not None else None
    if _unchanged(request, jam, group):
        return HttpResponse(status=204)
    return render(request, "jam/_projection_live.html", _projection_context(request, jam, group))


def followup(request: HttpRequest) -> HttpResponse:
    """Public: each retained proposal, followed until the fablabs it funded."""
    chains = [followup_selectors.chain_of(p) for p in followup_selectors.retained()]
    return render(request, "jam/followup.html", {"chains": chains})


def decisions(request: HttpRequest, slug: str) -> HttpResponse:
    """Public: every proposal of a jam with the decision-maker's answer."""
    jam = selectors.access_jam(slug)
    can_decide = selectors.can_decide(selectors.viewer(request, jam))
    return render(
        request,
        "jam/decisions.html",
        {
            "jam": jam,
            "proposals": selectors.ranked_proposals(jam).select_related("call"),
            "decision_form": forms.DecisionForm() if can_decide else None,
        },
    )


def synthesis(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    group = selectors.access_group(jam, pk)
    _require(selectors.can_write_synthesis(me, group))
    current = getattr(group, "synthesis", None)
    initial = (
        {
            "finding": current.finding,
            "proposals": list(current.proposals.all()),
            "lever": current.lever,
            "who_acts": current.who_acts,
            "means": current.means,
            "indicator": current.indicator,
        }
        if current
        else {}
    )
    form = forms.SynthesisForm(request.POST or None, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.write_synthesis(
                acting=me, group=group, **{**data, "proposals": list(data["proposals"])}
            )
        except services.JamError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Synthèse enregistrée."))
            return redirect(f"{reverse('jam:room', args=[jam.slug])}?groupe={group.pk}")
    ranked = selectors.group_proposals(group).order_by(F("dots").desc(), "created_at")
    return render(
        request,
        "jam/synthesis.html",
        {"jam": jam, "group": group, "form": form, "ranked": ranked},
    )


@require_POST
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    _require(selectors.can_decide(me))
    proposal = selectors.access_proposal(jam, pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une décision et écrivez la réponse publique."))
    else:
        try:
            services.decide(acting=me, proposal=proposal, **form.cleaned_data)
        except services.JamError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Décision enregistrée et publiée."))
    return redirect(f"{reverse('jam:decisions', args=[jam.slug])}#proposition-{proposal.pk}")


def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """The organiser imports an invitation list; every row is reported, nothing half-imported."""
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    _require(selectors.can_organise(me))
    reading = None
    if request.method == "POST":
        upload = request.FILES.get("fichier")
        if upload is None:
            messages.error(request, _("Choisissez un fichier CSV ou XLSX."))
        elif upload.size and upload.size > 2_000_000:
            messages.error(request, _("Le fichier dépasse 2 Mo."))
        else:
            try:
                reading = invitation_files.check(
                    jam, invitation_files.read_table(upload.name or "", upload.read())
                )
            except ValueError as exc:
                messages.error(request, str(exc))
            else:
                if reading.valid:
                    made = services.import_invitations(acting=me, jam=jam, reading=reading)
                    messages.success(
                        request,
                        _("%(n)s personne(s) inscrite(s) ; chacune reçoit son lien personnel.")
                        % {"n": len(made)},
                    )
                    return redirect("jam:console", slug=jam.slug)
    status = 400 if reading is not None and not reading.valid else 200
    return render(request, "jam/invitations.html", {"jam": jam, "reading": reading}, status=status)


@require_POST
def move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator moves someone by hand; the page says which rule the move now breaks."""
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    participant = Participant.objects.filter(jam=jam, pk=pk).first()
    target = request.POST.get("groupe", "")
    if participant is None or not target.isdigit():
        raise PermissionDenied(_("Participant ou groupe inconnu dans ce jam."))
    group = selectors.access_group(jam, int(target))
    broken = services.move_participant(acting=me, participant=participant, group=group)
    if broken:
        messages.warning(
            request,
            _(
                "%(name)s a changé de groupe, mais la répartition ne respecte plus ces règles : %(rules)s"
            )
            % {"name": participant.full_name, "rules": " ".join(broken)},
        )
    else:
        messages.success(
            request, _("%(name)s a changé de groupe.") % {"name": participant.full_name}
        )
    return redirect(f"{reverse('jam:room', args=[jam.slug])}?groupe={group.pk}")


@require_POST
def report(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The report to the decision-maker, the same day: PDF, or ODT to edit, written by a job
    that this browser follows (the jam's team may have no platform account)."""
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    if me is None or not jam_jobs.may_read_report(me):
        raise PermissionDenied(
            _("Le compte rendu est pour l'équipe d'animation et le décideur du jam.")
        )
    job = jam_jobs.start_report(
        acting=me, owner=request.user, holder=holder_of(request, create=True), fmt=fmt
    )
    return see_job(request, job)


def open_data(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """Proposals, comments and vote counts, without personal data (docs/jam-open-data.md)."""
    jam = selectors.access_jam(slug)
    if fmt == "json":
        response: HttpResponse = JsonResponse(jam_opendata.proposals_json(jam))
    else:
        response = HttpResponse(
            jam_opendata.proposals_csv(jam), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="jam-{jam.slug}-propositions.{fmt}"'
    return response
