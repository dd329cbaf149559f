"""The review demo: experts with profiles, complete applications, an assignment, rendered reviews."""

from pollen.accounts.models import Role, User
from pollen.applications.models import Status
from pollen.demo.personas import DEMO_PASSWORD, PERSONAS, programme_of
from pollen.expertise.models import Assignment, ConflictDeclaration, ExpertProfile, ScoreSummary
from pollen.expertise.selectors import can_review
from pollen.instruction.demo import DEMO_EXPERT, load_review_demo
from tests.builders import VALID_SIRETS, organisation_for
from tests.conftest import staff_of
from tests.instruction.conftest import submitted_application

COMMUNES = ("35238", "29019", "75056", "69123", "29232", "35238")


def test_it_builds_the_review_demo_once(call_2013):
    for email, name, role in PERSONAS:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, role=role)
        if slug := programme_of(email, role):
            staff_of(slug, user)
    for i, commune in enumerate(COMMUNES):
        owner = User.objects.create_user(f"owner{i}@test.example", None, role=Role.APPLICANT)
        organisation_for(owner, siret=VALID_SIRETS[i % 3], commune=commune, name=f"Fablab {i}")
        submitted_application(call_2013, owner, f"Projet {i}")

    made = load_review_demo()

    assert made["experts"] == 9 and made["complete"] == 6
    assert made["assignments"] == 2 * 6 and made["reviews"] > 0
    assert call_2013.applications.filter(status=Status.COMPLETE).count() == 6
    demo = ExpertProfile.objects.get(user__email=DEMO_EXPERT)
    assert not demo.is_fictitious and can_review(demo.user)
    conflict = ConflictDeclaration.objects.get(expert=demo)
    assert not Assignment.objects.filter(expert=demo, application=conflict.application).exists()
    assert ScoreSummary.objects.filter(call=call_2013).exists()
    assert load_review_demo() == {}
    assert ExpertProfile.objects.count() == 9
