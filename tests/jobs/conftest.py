"""Kinds of jobs made for the tests: an effect written once, a file, a failure on demand."""

import pytest

from pollen import jobs
from pollen.audit.models import AuditEvent
from pollen.audit.services import record_event
from pollen.jobs.models import Job


class WorkerKilled(BaseException):
    """What a worker killed mid-job looks like from inside: nothing after it runs."""


class Script:
    """What the test kinds do on their next runs: fail, die, or succeed."""

    def __init__(self) -> None:
        self.runs = 0
        self.fail = 0  # this many runs raise a plain error
        self.die_after_effect = False

    def effect(self, job: Job, progress: jobs.Progress) -> jobs.Outcome:
        self.runs += 1
        progress(1, 2, "Première moitié")
        if self.fail:
            self.fail -= 1
            raise RuntimeError("the disk is full")
        # The effect, written once: a second run checks what is already done.
        if not AuditEvent.objects.filter(action="test.effect", object_id=str(job.pk)).exists():
            record_event(actor=job.owner, action="test.effect", obj=job)
        if self.die_after_effect:
            self.die_after_effect = False
            raise WorkerKilled
        progress(2, 2, "Terminé")
        return jobs.Outcome(url="/espace/", data={"runs": self.runs})

    def export(self, job: Job, progress: jobs.Progress) -> jobs.Outcome:
        self.runs += 1
        return jobs.Outcome(content=b"a;b\n1;2\n", filename="essai.csv", content_type="text/csv")

    def refuse(self, job: Job, progress: jobs.Progress) -> jobs.Outcome:
        raise jobs.Failed("Cet appel est clos : le calcul n'a pas été fait.")


@pytest.fixture
def script() -> Script:
    made = Script()
    jobs.register("tests.effect", made.effect, title="Travail d'essai")
    jobs.register(
        "tests.export",
        made.export,
        can_view=lambda user, job: getattr(user, "role", "") == "manager",
        title="Export d'essai",
    )
    jobs.register("tests.refuse", made.refuse)
    return made
