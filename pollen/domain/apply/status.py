"""An application's lifecycle: from draft to the committee's decision, and what each status allows."""

from __future__ import annotations

from types import MappingProxyType

from pollen.domain.lifecycle import Lifecycle
from pollen.domain.text import gettext_noop

# The statuses, as stored (pollen/applications/models.py labels them).
DRAFT = "draft"
SUBMITTED = "submitted"
CORRECTIONS = "corrections"
COMPLETE = "complete"
SELECTED = "selected"
WAITLISTED = "waitlisted"
REJECTED = "rejected"

# The events.
EDIT = "edit"  # change the project, its budget or its documents
SUBMIT = "submit"
REOPEN = "reopen"  # the instructor asks for corrections: a new round opens
MARK_COMPLETE = "mark_complete"
SELECT = "select"
WAITLIST = "waitlist"
REJECT = "reject"
AWARD = "award"  # a grant is decided: the application is (or stays) selected

_UNDECIDED = {
    REOPEN: CORRECTIONS,
    SELECT: SELECTED,
    WAITLIST: WAITLISTED,
    REJECT: REJECTED,
    AWARD: SELECTED,
}

_TRANSITIONS = {
    DRAFT: {EDIT: DRAFT, SUBMIT: SUBMITTED},
    CORRECTIONS: {EDIT: CORRECTIONS, SUBMIT: SUBMITTED},
    SUBMITTED: {MARK_COMPLETE: COMPLETE, **_UNDECIDED},
    COMPLETE: dict(_UNDECIDED),
    # A selected application may still receive its grant; nothing else moves a decision.
    SELECTED: {AWARD: SELECTED},
    WAITLISTED: {},
    REJECTED: {},
}

_DECIDED = (SELECTED, WAITLISTED, REJECTED)
_NOT_SUBMITTED = (DRAFT, CORRECTIONS)
_ALREADY_DECIDED = gettext_noop("Le comité a déjà statué sur cette candidature.")

APPLICATION = Lifecycle(
    name="application",
    initial=DRAFT,
    transitions=MappingProxyType({s: MappingProxyType(m) for s, m in _TRANSITIONS.items()}),
    reasons=MappingProxyType(
        {
            EDIT: gettext_noop(
                "Cette candidature a été déposée : elle ne peut plus être modifiée."
            ),
            SUBMIT: gettext_noop("Cette candidature a déjà été déposée."),
            REOPEN: gettext_noop("Seule une candidature déposée peut être rouverte."),
            MARK_COMPLETE: gettext_noop(
                "Seule une candidature déposée (et pas encore instruite) peut être déclarée "
                "complète."
            ),
            SELECT: gettext_noop(
                "Seule une candidature déposée ou complète peut recevoir la décision du comité."
            ),
            WAITLIST: gettext_noop(
                "Seule une candidature déposée ou complète peut recevoir la décision du comité."
            ),
            REJECT: gettext_noop(
                "Seule une candidature déposée ou complète peut recevoir la décision du comité."
            ),
            AWARD: gettext_noop("Seule une candidature déposée peut recevoir une subvention."),
        }
    ),
    reasons_from=MappingProxyType(
        {
            **{(s, REOPEN): _ALREADY_DECIDED for s in _DECIDED},
            **{(s, e): _ALREADY_DECIDED for s in _DECIDED for e in (SELECT, WAITLIST, REJECT)},
            **{(s, AWARD): _ALREADY_DECIDED for s in (WAITLISTED, REJECTED)},
            **{
                (s, EDIT): gettext_noop(
                    "Le comité a statué sur cette candidature : elle ne peut plus être modifiée."
                )
                for s in _DECIDED
            },
            (COMPLETE, MARK_COMPLETE): gettext_noop("Cette candidature est déjà complète."),
            **{
                (s, MARK_COMPLETE): gettext_noop("Cette candidature n'est pas déposée.")
                for s in _NOT_SUBMITTED
            },
            **{
                (s, REOPEN): gettext_noop(
                    "Cette candidature n'est pas déposée : elle est déjà modifiable."
                )
                for s in _NOT_SUBMITTED
            },
        }
    ),
)

# The committee's outcomes and the event that records each.
DECISIONS = MappingProxyType({SELECTED: SELECT, WAITLISTED: WAITLIST, REJECTED: REJECT})
# Submitted or complete, not decided: experts review these, the committee decides on them.
UNDECIDED = APPLICATION.statuses_allowing(SELECT)


def is_editable(status: str) -> bool:
    return APPLICATION.can(status, EDIT)
