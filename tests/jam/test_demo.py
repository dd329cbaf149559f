"""The demo's jams: the 2013 Bercy Jam played through the services, and one still to come."""

from collections import Counter

from pollen.accounts.models import Role, User
from pollen.jam.demo import BERCY_SLUG, NEXT_SLUG, load_jam_demo
from pollen.jam.models import Jam, JamRole, Outcome, PhaseState


def test_the_bercy_jam_runs_from_registration_to_the_ministers_decisions(call_2013):
    User.objects.create_user("responsable@pollen.example", "x", role=Role.MANAGER)
    User.objects.create_user("instructrice@pollen.example", "x", role=Role.INSTRUCTOR)
    load_jam_demo(call_2013.slug)
    load_jam_demo(call_2013.slug)  # idempotent
    jam = Jam.objects.get(slug=BERCY_SLUG)
    crowd = jam.participants.filter(role=JamRole.PARTICIPANT)
    assert crowd.count() == 110
    present = crowd.filter(checked_in_at__isnull=False)
    assert present.count() == 100
    assert not present.filter(group__isnull=True).exists()
    sizes = [g.members.count() for g in jam.groups.all()]
    assert len(sizes) == 6 and max(sizes) - min(sizes) <= 1
    for kind, total in Counter(present.values_list("kind", flat=True)).items():
        per_group = [g.members.filter(kind=kind).count() for g in jam.groups.all()]
        assert {total // 6, -(-total // 6)} >= set(per_group), kind
    assert all(p.state == PhaseState.DONE for p in jam.phases.all())
    assert all(g.vote_closed and hasattr(g, "synthesis") for g in jam.groups.all())
    retained = jam.proposals.get(outcome=Outcome.RETAINED)
    assert retained.call == call_2013 and retained.votes.count() > 0
    assert not jam.proposals.filter(outcome="").exists()
    upcoming = Jam.objects.get(slug=NEXT_SLUG)
    assert upcoming.room_code == "POLLEN"
    assert set(upcoming.participants.values_list("role", flat=True)) == {
        JamRole.ORGANISER,
        JamRole.FACILITATOR,
    }
