"""The jam's report to the decision-maker as a job (pollen.jobs): PDF or ODT, built by a worker."""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pollen import jobs
from pollen.jam import report as jam_report
from pollen.jam import selectors
from pollen.jam.models import Jam, Participant, Registration
from pollen.jobs import services as job_services
from pollen.jobs.models import Job

REPORT = "jam.report"
FORMATS = {
    "pdf": (jam_report.report_pdf, "application/pdf"),
    "odt": (jam_report.report_odt, "application/vnd.oasis.opendocument.text"),
}


def may_read_report(participant: Participant | None) -> bool:
    """The jam's organiser and facilitators, and its decision-maker."""
    return bool(selectors.can_run(participant) or selectors.can_decide(participant))


def start_report(*, acting: Participant, owner: Any, holder: str, fmt: str) -> Job:
    """Queue the report for `acting` (checked by the caller, again by the worker); the job's
    page is for this browser, and for the jam's team signed in with their account."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    params = {
        "jam": acting.jam.slug,
        "fmt": fmt,
        "participant": acting.pk,
        "link_version": acting.link_version,
        "lang": translation.get_language() or settings.LANGUAGE_CODE,
    }
    return job_services.start(REPORT, owner=owner, holder=holder, params=params, reuse_pending=True)


def build_report(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """As the participant who asked, if they still may read it (a revoked link may not)."""
    jam = Jam.objects.filter(slug=job.params.get("jam", "")).first()
    participant = (
        Participant.objects.select_related("group", "jam")
        .filter(jam=jam, pk=job.params.get("participant"))
        .first()
        if jam is not None
        else None
    )
    if (
        jam is None
        or participant is None
        or participant.link_version != job.params.get("link_version")
        or not may_read_report(participant)
    ):
        raise jobs.Failed(
            gettext("Vous ne pouvez plus lire le compte rendu de ce jam : il n'a pas été fait.")
        )
    fmt = str(job.params.get("fmt", "pdf"))
    write, content_type = FORMATS.get(fmt, FORMATS["pdf"])
    with translation.override(str(job.params.get("lang") or settings.LANGUAGE_CODE)):
        progress(0, 1, gettext("Rédaction du compte rendu"))
        body = write(jam)
    return jobs.Outcome(
        content=body,
        filename=f"compte-rendu-{jam.slug}.{fmt if fmt in FORMATS else 'pdf'}",
        content_type=content_type,
    )


def team_may_follow(user: Any, job: Job) -> bool:
    """Someone signed in who is the jam's organiser, a facilitator or its decision-maker."""
    participant = (
        Participant.objects.select_related("group")
        .filter(jam__slug=job.params.get("jam", ""), user=user)
        .exclude(registration=Registration.CANCELLED)
        .first()
    )
    return may_read_report(participant)


def register() -> None:
    jobs.register(REPORT, build_report, can_view=team_may_follow, title=_("Compte rendu du jam"))
