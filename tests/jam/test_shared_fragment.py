"""A group's live fragment is rendered once per revision and shared by its screens, each with
its own CSRF token and clock; during the vote each member gets their own."""

import re

import pytest
from django.test import Client

from pollen.jam import fragments, services
from pollen.jam.models import Lever

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def live(client, room, group=0):
    return client.get(f"/jams/bercy/groupes/{room.groups[group].pk}/direct/")


@pytest.fixture
def writing(room):
    services.set_openings(
        acting=room.organiser, jam=room.jam, group=None, writing_open=True, commenting_open=True
    )
    services.post_proposal(
        acting=room.people[1],
        group=room.groups[0],
        title="Des fablabs",
        text="x",
        lever=Lever.OTHER,
    )
    return room


def test_two_screens_share_one_render_but_each_form_carries_its_own_token(writing, monkeypatch):
    room = writing
    renders = []
    real = fragments.render_to_string
    monkeypatch.setattr(
        fragments, "render_to_string", lambda *a, **k: renders.append(a[0]) or real(*a, **k)
    )
    first = room.enter(Client(enforce_csrf_checks=True), room.people[0])
    second = room.enter(Client(enforce_csrf_checks=True), room.people[2])
    a = live(first, room).content.decode()
    b = live(second, room).content.decode()
    assert "Des fablabs" in a and "Des fablabs" in b
    token_a, token_b = TOKEN.search(a).group(1), TOKEN.search(b).group(1)
    assert token_a != token_b and "csrf-" not in a and "now-" not in b
    assert TOKEN.sub("", a) == TOKEN.sub("", b)  # the rest is the same shared render
    # rendered once for both screens (its cards, then the rest)
    assert renders == ["jam/_group_cards.html", "jam/_group_live.html"]
    # Each token is good for its own browser: the comment form posts through.
    proposal = room.groups[0].proposals.get()
    answer = second.post(
        f"/jams/bercy/propositions/{proposal.pk}/commenter/",
        {"text": "Oui, partout", "csrfmiddlewaretoken": token_b},
    )
    assert answer.status_code == 302
    assert proposal.comments.filter(text="Oui, partout").exists()


def test_a_write_is_in_the_next_shared_render(writing):
    room = writing
    screen = room.enter(Client(), room.people[0])
    assert "Deuxième idée" not in live(screen, room).content.decode()
    services.post_proposal(
        acting=room.people[2], group=room.groups[0], title="Deuxième idée", text="y",
        lever=Lever.OTHER,
    )  # fmt: skip
    assert "Deuxième idée" in live(screen, room).content.decode()


def test_the_shared_render_follows_the_language(writing):
    room = writing
    screen = room.enter(Client(), room.people[0])
    french = live(screen, room).content.decode()
    screen.cookies["django_language"] = "en"
    english = live(screen, room).content.decode()
    assert "1 proposition" in french and "1 proposal" in english


def test_during_the_vote_each_member_sees_their_own_dots(writing):
    room = writing
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, voting_open=True)
    voter = room.enter(Client(), room.people[0])
    other = room.enter(Client(), room.people[2])
    proposal = room.groups[0].proposals.get()
    voter.post(f"/jams/bercy/propositions/{proposal.pk}/voter/", headers={"HX-Request": "true"})
    assert "Retirer ma gommette" in live(voter, room).content.decode()
    assert "Retirer ma gommette" not in live(other, room).content.decode()


def test_a_vote_burst_shares_one_render_each_screen_keeping_its_own_dots(writing, monkeypatch):
    room = writing
    services.post_proposal(
        acting=room.people[2], group=room.groups[0], title="Seconde", text="y", lever=Lever.OTHER
    )
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, voting_open=True)
    renders = []
    real = fragments.render_to_string
    monkeypatch.setattr(
        fragments, "render_to_string", lambda *a, **k: renders.append(a[0]) or real(*a, **k)
    )
    voter = room.enter(Client(), room.people[0])
    other = room.enter(Client(), room.people[2])
    first, _second = room.groups[0].proposals.order_by("pk")
    answer = voter.post(
        f"/jams/bercy/propositions/{first.pk}/voter/", headers={"HX-Request": "true"}
    ).content.decode()
    dots = room.jam.dots
    assert f"il vous reste {dots - 1} gommette" in answer
    assert f"il vous reste {dots} gommette" not in answer
    # Its own forms: the dot to take back on the first, a dot to give on the second, once each.
    assert answer.count("Retirer ma gommette") == 1 and answer.count("Voter (une gommette)") == 1
    assert answer.index("Retirer ma gommette") < answer.index("Seconde")
    seen = live(other, room).content.decode()
    assert "Retirer ma gommette" not in seen and seen.count("Voter (une gommette)") == 2
    assert f"il vous reste {dots} gommettes" in seen and "vote-" not in seen
    # the voter's answer and the other screen: one render (its cards, then the rest)
    assert renders == ["jam/_group_cards.html", "jam/_group_live.html"]


def test_with_no_dot_left_every_vote_button_is_disabled(writing):
    room = writing
    room.jam.dots = 1
    room.jam.save(update_fields=["dots"])
    services.post_proposal(
        acting=room.people[2], group=room.groups[0], title="Seconde", text="y", lever=Lever.OTHER
    )
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, voting_open=True)
    voter = room.enter(Client(), room.people[0])
    first, _second = room.groups[0].proposals.order_by("pk")
    voter.post(f"/jams/bercy/propositions/{first.pk}/voter/", headers={"HX-Request": "true"})
    seen = live(voter, room).content.decode()
    assert "il vous reste 0 gommette" in seen
    assert re.search(r'type="submit"\s+disabled>\s*Voter', seen)


def test_a_screen_served_a_copy_does_not_read_the_proposals_again(writing, monkeypatch):
    """Only the first screen after a change reads what the fragment shows; the others, and a
    vote's answer in a burst, get a copy with their own token and dots."""
    from pollen.jam import selectors

    room = writing
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, voting_open=True)
    reads = []
    real = selectors.group_proposals
    monkeypatch.setattr(selectors, "group_proposals", lambda g: reads.append(g.pk) or real(g))
    screens = [room.enter(Client(), room.people[i]) for i in (0, 2)]
    assert all("Des fablabs" in live(s, room).content.decode() for s in screens)
    proposal = room.groups[0].proposals.get()
    answer = screens[1].post(
        f"/jams/bercy/propositions/{proposal.pk}/voter/", headers={"HX-Request": "true"}
    )
    assert "Retirer ma gommette" in answer.content.decode()
    assert reads == [room.groups[0].pk]


def test_a_phase_change_renders_what_is_above_the_cards_and_reads_no_proposal(writing, monkeypatch):
    """A change every screen shows (a message, a phase, an opening) moves the jam's stage, not
    the group's own revision: the cards are kept, only the clock and badges are rendered."""
    from pollen.jam import selectors

    room = writing
    screen = room.enter(Client(), room.people[0])
    before = live(screen, room).content.decode()
    renders, reads = [], []
    real_render, real_read = fragments.render_to_string, selectors.group_proposals
    monkeypatch.setattr(
        fragments, "render_to_string", lambda *a, **k: renders.append(a[0]) or real_render(*a, **k)
    )
    monkeypatch.setattr(selectors, "group_proposals", lambda g: reads.append(g.pk) or real_read(g))
    services.broadcast(acting=room.organiser, jam=room.jam, message="Pause café")
    after = live(screen, room).content.decode()
    assert "Pause café" in after and "Des fablabs" in after
    assert renders == ["jam/_group_live.html"] and reads == []
    cards = before.split("<h2>", 1)[1]
    assert TOKEN.sub("", after.split("<h2>", 1)[1]) == TOKEN.sub("", cards)
    # Closing the comments changes the cards (no comment form): rendered anew.
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, commenting_open=False)
    closed = live(screen, room).content.decode()
    assert "Publier le commentaire" in before and "Publier le commentaire" not in closed
    # A proposal moves the group's own revision: its cards again, read once.
    services.post_proposal(
        acting=room.people[2], group=room.groups[0], title="Seconde", text="y", lever=Lever.OTHER
    )
    assert "Seconde" in live(screen, room).content.decode()
    assert reads == [room.groups[0].pk, room.groups[0].pk]
