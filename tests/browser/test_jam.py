"""A live jam in real browsers: a facilitator and three participants in two groups, each in their
own browser context, seeing each other's writes and the facilitator's changes within 2 seconds
without reloading; then the vote, its results, the synthesis, the decision and the follow-up.
"""

import re

import pytest
from playwright.sync_api import expect

from pollen.jam import selectors
from pollen.jam.models import JamRole, Outcome, Proposal, Vote, WorkingGroup
from tests.jam.conftest import make_jam, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LIVE = 2500  # ms: the promise is 2 s; the poll runs every second


def _enter(browser, base, jam, participant):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/jams/{jam.slug}/entrer/{selectors.personal_token(participant)}/")
    return page


def test_a_live_jam_from_first_proposal_to_the_follow_up(browser, live_server, personas, call_2013):
    jam = make_jam("direct", personas["manager"], dots=2)
    g0, g1 = (
        WorkingGroup.objects.create(jam=jam, position=i, theme=t)
        for i, t in enumerate(["Fablabs partout", "Former avec les fablabs"])
    )
    facilitator = person(jam, "Fanny Anime", role=JamRole.FACILITATOR, group=g0, pinned=True)
    ana, bob = person(jam, "Ana Un", group=g0), person(jam, "Bob Deux", group=g0)
    cyd = person(jam, "Cyd Trois", group=g1)
    minister = person(jam, "La ministre", role=JamRole.DECISION_MAKER)
    base = live_server.url

    console = _enter(browser, base, jam, facilitator)
    console.goto(f"{base}/jams/{jam.slug}/console/")
    a, b, c = (_enter(browser, base, jam, p) for p in (ana, bob, cyd))
    for page in (a, b, c):
        page.wait_for_url("**/salle/")

    # The facilitator opens writing and commenting for all: every phone sees it, no reload.
    console.get_by_role("button", name="Ouvrir les propositions").click()
    console.get_by_role("button", name="Ouvrir les commentaires").click()
    for page in (a, b, c):
        page.locator(".fr-badge", has_text="Propositions ouvertes").wait_for(timeout=LIVE)

    a.get_by_label("Titre").fill("Des fablabs ruraux")
    a.get_by_label("Votre proposition").fill("Un atelier dans chaque canton rural.")
    a.get_by_role("button", name="Publier la proposition").click()
    b.get_by_text("Des fablabs ruraux").wait_for(timeout=LIVE)
    b.get_by_label("Titre").fill("Fablabs en campagne")
    b.get_by_label("Votre proposition").fill("Des machines dans les villages.")
    b.get_by_role("button", name="Publier la proposition").click()
    a.get_by_text("Fablabs en campagne").wait_for(timeout=LIVE)
    assert c.get_by_text("Des fablabs ruraux").count() == 0  # another group

    first = Proposal.objects.get(title="Des fablabs ruraux")
    b.locator(f"#comment-{first.pk}").fill("Oui, avec les mairies.")
    b.locator(f"#commenter-{first.pk}").get_by_role("button").click()
    a.get_by_text("Oui, avec les mairies.").wait_for(timeout=LIVE)

    # The facilitator merges the two close proposals from the group's page.
    console.goto(f"{base}/jams/{jam.slug}/salle/?groupe={g0.pk}")
    for proposal in Proposal.objects.filter(group=g0):
        console.locator(f"label[for=merge-{proposal.pk}]").click()
    console.locator("#merge-title").fill("Des fablabs à la campagne")
    console.locator("#merge-text").fill("Fusion : un atelier par canton rural.")
    console.get_by_role("button", name="Fusionner").click()
    a.get_by_text("Des fablabs à la campagne").wait_for(timeout=LIVE)
    a.get_by_text("Issue de :").wait_for(timeout=LIVE)

    # A phase change and its countdown, seen by all.
    console.goto(f"{base}/jams/{jam.slug}/console/")
    console.locator("li", has_text="Vote").get_by_role("button", name="Démarrer").click()
    for page in (a, b, c):
        page.locator(".jam-clock__phase", has_text="Vote").wait_for(timeout=LIVE)
        clock = page.locator("[data-ends-at]")
        expect(clock).to_have_text(re.compile(r"^\d+:\d\d$"))
        minutes = int(clock.text_content().split(":")[0])
        assert 8 <= minutes <= 10

    # The vote: results hidden until it closes, then shown to all.
    console.get_by_role("button", name="Ouvrir le vote").first.click()
    for page in (a, b):
        page.get_by_role("button", name="Voter (une gommette)").first.click()
        page.get_by_role("button", name="Retirer ma gommette").wait_for()
    assert a.locator(".jam-dots").count() == 0
    assert Vote.objects.filter(proposal__group=g0).count() == 2
    console.locator("tr", has_text="Fablabs partout").get_by_role(
        "button", name="Clore le vote et montrer les résultats"
    ).click()
    for page in (a, b):
        page.locator(".jam-dots", has_text="2 gommettes").wait_for(timeout=LIVE)

    # Synthesis, decision, follow-up.
    merged = Proposal.objects.get(title="Des fablabs à la campagne")
    console.goto(f"{base}/jams/{jam.slug}/groupes/{g0.pk}/synthese/")
    console.get_by_label("Constat").fill("Les campagnes manquent d'ateliers.")
    console.locator(f"label[for=retained-{merged.pk}]").click()
    console.get_by_label("Qui doit agir").fill("Le ministère")
    console.get_by_role("button", name="Enregistrer la synthèse").click()
    console.wait_for_url(re.compile(r".*/salle/.*"))
    assert g0.synthesis.proposals.get() == merged
    console.goto(f"{base}/jams/{jam.slug}/console/")
    console.get_by_role("button", name="PDF").click()  # a job: its page, then its file
    console.wait_for_url(re.compile(r".*/travaux/.*"))
    with console.expect_download() as download:
        console.locator("#job-result").click()
    assert download.value.suggested_filename == f"compte-rendu-{jam.slug}.pdf"
    with open(download.value.path(), "rb") as report:
        assert report.read(4) == b"%PDF"

    decider = _enter(browser, base, jam, minister)
    decider.goto(f"{base}/jams/{jam.slug}/decisions/")
    decider.locator(f"#outcome-{merged.pk}").select_option(Outcome.RETAINED)
    decider.locator(f"#answer-{merged.pk}").fill("Retenue : un appel à projets est lancé.")
    decider.locator(f"#call-{merged.pk}").select_option(str(call_2013.pk))
    decider.locator(f"#proposition-{merged.pk}").get_by_role(
        "button", name="Enregistrer la décision"
    ).click()
    decider.goto(f"{base}/jams/suivi/")
    decider.get_by_role("link", name=call_2013.title).click()
    decider.get_by_text(
        "Cet appel est issu de la proposition « Des fablabs à la campagne »"
    ).wait_for()


def test_a_page_whose_stream_is_refused_polls_and_still_shows_a_write_within_2_s(
    browser, live_server, personas, monkeypatch
):
    """SQLite and WSGI refuse the stream (204): EventSource gives up, jam.js polls every second."""
    from pollen.jam import services, streams
    from pollen.jam.models import Lever

    monkeypatch.setattr(streams, "stream_url", lambda request, url: url)  # as POLLEN_JAM_STREAMS=on
    jam = make_jam("flux", personas["manager"])
    group = WorkingGroup.objects.create(jam=jam, position=0, theme="Fablabs partout")
    organiser = person(jam, "Olga Organise", role=JamRole.ORGANISER, user=personas["manager"])
    ana, bob = person(jam, "Ana Un", group=group), person(jam, "Bob Deux", group=group)
    a = _enter(browser, live_server.url, jam, ana)
    a.wait_for_url("**/salle/")
    live = a.locator("#live")
    expect(live).to_have_attribute("data-stream", f"/jams/flux/groupes/{group.pk}/flux/")
    expect(live).to_have_attribute("hx-trigger", "jam-changed")  # no poll of its own
    services.set_openings(
        acting=organiser, jam=jam, group=None, writing_open=True, commenting_open=True
    )
    a.locator(".fr-badge", has_text="Propositions ouvertes").wait_for(timeout=LIVE)
    services.post_proposal(
        acting=bob, group=group, title="Des fablabs ruraux", text="x", lever=Lever.OTHER
    )
    a.get_by_text("Des fablabs ruraux").wait_for(timeout=LIVE)


def test_a_fragment_pushed_in_the_stream_is_swapped_in_without_a_fetch_keeping_what_is_typed(
    browser, live_server, personas, monkeypatch
):
    """The stream's `fragment` event (what an ASGI node sends a participant's group screen) is
    swapped in by jam.js as a fetch would be: the new proposal shows, no request for the
    fragment is made, and the comment being typed stays with its focus. The live server is
    WSGI, so the browser's route answers the stream with the event the stream would send."""
    from django.test import Client

    from pollen.jam import services, streams
    from pollen.jam.models import Lever

    monkeypatch.setattr(streams, "stream_url", lambda request, url: url)  # as POLLEN_JAM_STREAMS=on
    jam = make_jam("pousse", personas["manager"])
    group = WorkingGroup.objects.create(jam=jam, position=0, theme="Fablabs partout")
    organiser = person(jam, "Olga Organise", role=JamRole.ORGANISER, user=personas["manager"])
    ana, bob = person(jam, "Ana Un", group=group), person(jam, "Bob Deux", group=group)
    services.set_openings(
        acting=organiser, jam=jam, group=None, writing_open=True, commenting_open=True
    )
    services.post_proposal(acting=bob, group=group, title="Première", text="x", lever=Lever.OTHER)
    first = group.proposals.get()
    held: list[object] = []  # the stream's requests, answered once the fragment is ready
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.route(f"**/jams/pousse/groupes/{group.pk}/flux/**", lambda route: held.append(route))
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/jams/pousse/entrer/{selectors.personal_token(ana)}/")
    page.wait_for_url("**/salle/")
    comment = page.locator(f"#comment-{first.pk}")
    comment.click()
    comment.press_sequentially("Oui, et dans les bourgs")
    fetches: list[str] = []
    page.on("request", lambda r: fetches.append(r.url) if "/direct/" in r.url else None)
    services.post_proposal(
        acting=bob, group=group, title="Des fablabs ruraux", text="x", lever=Lever.OTHER
    )
    # What the stream sends this screen: the fragment as Ana's browser would fetch it.
    ana_client = Client()
    for cookie in page.context.cookies():
        ana_client.cookies[cookie["name"]] = cookie["value"]
    html = ana_client.get(f"/jams/pousse/groupes/{group.pk}/direct/").content.decode()
    revision = re.search(r'data-revision="([^"]+)"', html).group(1)
    event = streams._fragment_event(revision, html).decode()
    for _ in range(50):  # the page's EventSource, held by the route
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page opened no stream"
    held[0].fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=event)
    page.get_by_text("Des fablabs ruraux").wait_for(timeout=LIVE)
    assert fetches == []  # swapped from the event, not fetched
    expect(comment).to_have_value("Oui, et dans les bourgs")
    assert page.evaluate("() => document.activeElement.id") == f"comment-{first.pk}"


@pytest.mark.parametrize("stream", ["none", "refused"])
def test_the_console_shows_a_participants_proposal_within_2_s_and_keeps_what_is_typed(
    browser, live_server, personas, monkeypatch, stream
):
    """The facilitator is typing a message to every screen when a participant posts: the
    console shows the proposal and reads it out, without a reload, the text and focus kept.
    none: SQLite's pages poll; refused: the page holds a stream that answers 204 (jam.js polls)."""
    from pollen.jam import services, streams

    if stream == "refused":
        monkeypatch.setattr(streams, "stream_url", lambda request, url: url)
    jam = make_jam("pupitre", personas["manager"])
    group = WorkingGroup.objects.create(jam=jam, position=0, theme="Fablabs partout")
    facilitator = person(jam, "Fanny Anime", role=JamRole.FACILITATOR, group=group, pinned=True)
    ana = person(jam, "Ana Un", group=group)
    late = person(jam, "Léa Retard", group=group)
    late.checked_in_at = None
    late.save()
    services.set_openings(acting=facilitator, jam=jam, group=None, writing_open=True)
    base = live_server.url

    console = _enter(browser, base, jam, facilitator)
    console.goto(f"{base}/jams/{jam.slug}/console/")
    areas = console.locator("[data-area]")
    expect(areas).to_have_count(3)
    if stream == "refused":
        expect(console.locator("[data-live-areas]")).to_have_attribute(
            "data-stream", f"/jams/{jam.slug}/console/flux/"
        )
        expect(areas.first).to_have_attribute("hx-trigger", "jam-changed")
    reloads: list[str] = []
    console.on(
        "framenavigated",
        lambda frame: reloads.append(frame.url) if frame == console.main_frame else None,
    )
    message = console.locator("#broadcast")
    message.click()
    message.press_sequentially("Pause café à 11 h")

    phone = _enter(browser, base, jam, ana)
    phone.wait_for_url("**/salle/")
    phone.get_by_label("Titre").fill("Des fablabs ruraux")
    phone.get_by_label("Votre proposition").fill("Un atelier dans chaque canton.")
    phone.get_by_role("button", name="Publier la proposition").click()
    phone.get_by_text("Proposition publiée.").wait_for()

    console.locator("#console-groupes").get_by_text("Des fablabs ruraux").wait_for(timeout=LIVE)
    expect(console.locator("#console-news")).to_contain_text("Des fablabs ruraux")
    expect(message).to_have_value("Pause café à 11 h")
    expect(message).to_be_focused()

    # Someone arrives at the door, checked in from another phone: the welcome desk shows it.
    services.check_in(acting=facilitator, participant=late)
    console.locator("#console-accueil").get_by_text("Léa Retard").wait_for(timeout=LIVE)
    expect(message).to_be_focused()
    assert reloads == []


def test_a_proposal_and_a_comment_are_sent_without_leaving_the_page(browser, live_server, personas):
    """Sent by HTMX: the page stays (its stream too), the form comes back empty saying it was
    published, the draft kept on the device is forgotten, and a refusal keeps the text."""
    from pollen.jam import services

    jam = make_jam("sur-place", personas["manager"])
    group = WorkingGroup.objects.create(jam=jam, position=0, theme="Fablabs partout")
    organiser = person(jam, "Olga Organise", role=JamRole.ORGANISER, user=personas["manager"])
    ana = person(jam, "Ana Un", group=group)
    services.set_openings(
        acting=organiser, jam=jam, group=None, writing_open=True, commenting_open=True
    )
    page = _enter(browser, live_server.url, jam, ana)
    page.wait_for_url("**/salle/")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else 0)
    fetched: list[str] = []  # the group's fragment fetched by the poll (200: something new)
    page.on(
        "response",
        lambda r: fetched.append(r.url) if "/direct/" in r.url and r.status == 200 else 0,
    )

    page.get_by_label("Titre").fill("Des fablabs ruraux")
    page.get_by_label("Votre proposition").fill("Un atelier par canton.")
    page.get_by_role("button", name="Publier la proposition").click()
    page.get_by_role("status").filter(has_text="Proposition publiée.").wait_for()
    page.locator("#live").get_by_text("Des fablabs ruraux").wait_for()
    assert fetched == []  # the proposal came with the answer, not with a poll after it
    expect(page.locator("#live")).to_have_count(1)  # swapped into its place, not beside the form
    expect(page.get_by_label("Titre")).to_have_value("")
    expect(page.get_by_role("button", name="Publier la proposition")).to_be_focused()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('proposal'))") == []

    first = Proposal.objects.get(title="Des fablabs ruraux")
    comment = page.locator(f"#comment-{first.pk}")
    comment.fill("Avec les mairies.")
    page.locator(f"#commenter-{first.pk}").get_by_role("button").click()
    page.locator("#live li", has_text="Avec les mairies.").wait_for()
    expect(comment).to_have_value("")

    # The network lost while sending: said above the page, the text stays; sent again once back.
    page.context.set_offline(True)
    page.get_by_label("Titre").fill("Hors ligne")
    page.get_by_label("Votre proposition").fill("Écrite dans le train.")
    page.get_by_role("button", name="Publier la proposition").click()
    expect(page.get_by_role("alert")).to_contain_text("La connexion au serveur est perdue")
    expect(page.get_by_label("Votre proposition")).to_have_value("Écrite dans le train.")
    page.context.set_offline(False)
    page.get_by_role("button", name="Publier la proposition").click()
    page.locator("#live").get_by_text("Hors ligne").wait_for()
    expect(page.locator("#jam-envoi")).to_be_empty()

    # Writing closed meanwhile: the text stays, with the reason.
    services.set_openings(acting=organiser, jam=jam, group=None, writing_open=False)
    page.get_by_label("Titre").fill("Trop tard")
    page.get_by_label("Votre proposition").fill("Un texte à garder.")
    page.get_by_role("button", name="Publier la proposition").click()
    page.get_by_role("alert").filter(has_text="fermées").wait_for()
    expect(page.get_by_label("Votre proposition")).to_have_value("Un texte à garder.")
    assert navigations == []
