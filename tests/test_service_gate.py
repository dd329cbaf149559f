"""Project rule: every service that changes state checks who asks, whatever the entry point.

Each service is called directly, as a command, a task or the API would, by every persona.
Those the pages refuse must be refused by the service too (`Refused`, nothing written);
those the pages allow must get past the gate (a business refusal may follow).
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from pollen import clock
from pollen.accounts import invitations
from pollen.accounts import services as account_services
from pollen.applications import services as application_services
from pollen.audit.models import AuditEvent
from pollen.expertise import services as expertise_services
from pollen.grants import services as grant_services
from pollen.instruction import assignment_services
from pollen.instruction import services as instruction_services
from pollen.permissions import Refused
from pollen.places import services as place_services
from pollen.places.models import PlaceKind
from pollen.selection import adapters as selection_adapters
from pollen.selection import services as selection_services
from tests.builders import PDF, eligible_budget, eligible_draft, moment_in_call, organisation_for
from tests.conftest import PERSONAS
from tests.grants.helpers import awarded_grant, submitted_application

STAFF = {"instructor", "manager", "admin"}
COMMITTEE = {"committee", "manager", "admin"}


class World:
    """The objects a service acts on, built only when a case asks for them.

    Each builder notes the audit count once its objects exist: the refused call itself must
    add nothing to it.
    """

    def __init__(self, call: Any, personas: dict[str, Any]):
        self.call, self.personas = call, personas
        self.events = AuditEvent.objects.count()

    def _built(self, made: Any) -> Any:
        self.events = AuditEvent.objects.count()
        return made

    def submitted(self) -> Any:
        return self._built(submitted_application(self.call, self.personas["applicant"]))

    def draft(self) -> Any:
        organisation_for(self.personas["applicant"])
        return self._built(eligible_draft(self.call, self.personas["applicant"]))

    def grant(self) -> Any:
        grant = awarded_grant(self.call, self.personas["applicant"], self.personas["manager"])
        return self._built(grant)

    def signed_grant(self) -> Any:
        grant = grant_services.sign_agreement(
            acting_user=self.personas["manager"],
            grant=self.grant(),
            signed_on=dt.date(2013, 11, 1),
            signatory="La présidente",
        )
        return self._built(grant)

    def profile(self) -> Any:
        expert = self.personas["expert"]
        profile = expertise_services.save_expert_profile(
            acting_user=expert,
            user=expert,
            tags=["bois"],
            organisation_name="",
            commune=None,
            max_load=5,
        )
        return self._built(profile)

    def place(self) -> Any:
        values = {"name": "Fablab du port", "kind": PlaceKind.FABLAB}
        return self._built(place_services.create_place(acting_user=None, values=values))

    def organisation(self, persona: str = "applicant") -> Any:
        return self._built(organisation_for(self.personas[persona]))


def _award(w: World, user: Any) -> Any:
    return grant_services.award_grant(
        acting_user=user, application=w.submitted(), amount=Decimal("50000.00")
    )


def _draft_save(w: World, user: Any) -> Any:
    return application_services.save_draft(
        acting_user=user,
        application=w.draft(),
        title="Autre titre",
        summary="",
        kind="improvement",
        budget=eligible_budget(),
    )


def _create(w: World, user: Any) -> Any:
    organisation = w.organisation()
    with clock.override(moment_in_call(w.call)):
        return application_services.create_application(
            acting_user=user,
            call=w.call,
            organisation=organisation,
            title="Un projet",
            kind="creation",
        )


def _add_document(w: World, user: Any) -> Any:
    draft = w.draft()
    return application_services.add_document(
        acting_user=user,
        application=draft,
        doc_type=w.call.spec.documents[0].id,
        upload=SimpleUploadedFile("piece.pdf", PDF),
    )


def _remove_document(w: World, user: Any) -> Any:
    document = w.draft().documents.first()
    return application_services.remove_document(acting_user=user, document=document)


def _report(w: World, user: Any) -> Any:
    return grant_services.file_report(
        acting_user=user,
        grant=w.signed_grant(),
        kind="progress",
        narrative="Les machines sont installées.",
        actual_expenses={},
        cofunding_obtained=Decimal("0"),
    )


def _organisation(w: World, user: Any) -> Any:
    organisation = w.organisation()
    data = {"legal_name": "Nouveau nom", "commune": organisation.commune}
    return account_services.save_organisation(
        acting_user=user, organisation=organisation, data=data
    )


# service → (who the pages allow, how to call it)
CASES: dict[str, tuple[set[str], Callable[[World, Any], Any]]] = {
    "award_grant": ({"manager", "admin"}, _award),
    "sign_agreement": (
        STAFF,
        lambda w, u: grant_services.sign_agreement(
            acting_user=u, grant=w.grant(), signed_on=dt.date(2013, 11, 1), signatory="X"
        ),
    ),
    "request_payment": (
        STAFF,
        lambda w, u: grant_services.request_payment(
            acting_user=u, payment=w.signed_grant().payments.get(position=1)
        ),
    ),
    "file_report": ({"applicant"}, _report),
    "create_application": ({"applicant"}, _create),
    "save_draft": ({"applicant"}, _draft_save),
    "add_document": ({"applicant"}, _add_document),
    "remove_document": ({"applicant"}, _remove_document),
    "import_draft": (
        STAFF,
        lambda w, u: application_services.import_draft(
            acting_user=u,
            call=w.call,
            organisation=w.organisation("applicant_b"),
            title="Dossier papier",
            summary="",
            kind="creation",
            budget=eligible_budget(),
        ),
    ),
    "reopen_application": (
        STAFF,
        lambda w, u: application_services.reopen_application(
            acting_user=u, application=w.submitted(), message="RIB"
        ),
    ),
    "mark_complete": (
        STAFF,
        lambda w, u: application_services.mark_complete(acting_user=u, application=w.submitted()),
    ),
    "record_decision": (
        COMMITTEE,
        lambda w, u: application_services.record_decision(
            acting_user=u, application=w.submitted(), status="rejected", reason="Hors sujet"
        ),
    ),
    "post_message": (
        STAFF | {"applicant"},
        lambda w, u: instruction_services.post_message(
            acting_user=u, application=w.submitted(), body="Bonjour"
        ),
    ),
    "bulk_completeness": (
        STAFF,
        lambda w, u: instruction_services.bulk_completeness(
            acting_user=u, call=w.call, application_ids=[w.submitted().pk], action="complete"
        ),
    ),
    "assign_experts": (
        STAFF,
        lambda w, u: assignment_services.assign_experts(
            acting_user=u, call=w.call, applications=[w.submitted()]
        ),
    ),
    "set_pair_rule": (
        STAFF,
        lambda w, u: assignment_services.set_pair_rule(
            acting_user=u, application=w.submitted(), profile=w.profile(), kind="forbid"
        ),
    ),
    "declare_conflict": (
        {"expert"},
        lambda w, u: expertise_services.declare_conflict(
            acting_user=u, profile=w.profile(), application=w.submitted(), reason="Mon ancien lab"
        ),
    ),
    "save_expert_profile": (
        STAFF | {"expert"},
        lambda w, u: expertise_services.save_expert_profile(
            acting_user=u,
            user=w.personas["expert"],
            tags=["bois"],
            organisation_name="",
            commune=None,
            max_load=3,
        ),
    ),
    "run_scenario": (
        COMMITTEE,
        lambda w, u: selection_services.run_scenario(
            acting_user=u,
            call=w.call,
            name="Essai",
            parameters=selection_adapters.ScenarioParameters(envelope=Decimal("100000.00")),
        ),
    ),
    "save_organisation": ({"applicant"}, _organisation),
    "invite": (
        {"manager", "admin"},
        lambda w, u: invitations.invite(
            acting_user=u,
            programme=w.call.programme,
            email="invitee@region.example",
            role="instructor",
            site="http://testserver",
        ),
    ),
    "create_place": (
        {"manager", "admin"},
        lambda w, u: place_services.create_place(
            acting_user=u, values={"name": "Lab", "kind": PlaceKind.FABLAB}
        ),
    ),
    "update_place": (
        {"manager", "admin"},
        lambda w, u: place_services.update_place(
            acting_user=u, place=w.place(), values={"name": "Lab renommé"}
        ),
    ),
}


BUSINESS_REFUSALS = (
    application_services.ApplicationError,
    grant_services.GrantError,
    instruction_services.InstructionError,
    expertise_services.ExpertiseError,
    selection_services.SelectionError,
    place_services.PlaceError,
)


def _user(personas: dict[str, Any], name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else personas[name]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("service", sorted(CASES))
def test_it_lets_through_only_whom_the_pages_let_through(service, persona, call_2013, personas):
    allowed, act = CASES[service]
    world = World(call_2013, personas)
    if persona in allowed:
        try:
            act(world, _user(personas, persona))
        except Refused as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{service} refused {persona}: {exc}")
        except BUSINESS_REFUSALS:
            pass  # a business refusal (a status, an amount) is not the gate's business here
        return
    with pytest.raises(Refused) as refusal:
        # The objects are built by allowed people first; only the service call is refused.
        act(world, _user(personas, persona))
    assert str(refusal.value), "a refusal says why"
    assert AuditEvent.objects.count() == world.events, "a refused call writes nothing"


def test_the_staff_api_cannot_award_a_grant_for_an_instructor(client, call_2013, personas):
    from pollen.api.auth import create_token
    from pollen.grants.models import Grant

    application = submitted_application(call_2013, personas["applicant"])
    _, instructor_key = create_token(acting_user=None, user=personas["instructor"], name="t")
    _, manager_key = create_token(acting_user=None, user=personas["manager"], name="t")
    body = '{"status": "selected", "amount_eur": "50000.00"}'
    url = f"/api/v1/staff/applications/{application.pk}/status"
    refused = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {instructor_key}"
    )
    assert refused.status_code == 403
    assert "responsable de programme" in refused.json()["detail"]
    assert not Grant.objects.exists()
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not AuditEvent.objects.filter(action="grant.awarded").exists()
    awarded = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {manager_key}"
    )
    assert awarded.status_code == 200 and awarded.json()["status"] == "selected"
    assert Grant.objects.get().decided_by == personas["manager"]
