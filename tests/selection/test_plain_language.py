"""The committee reads its pages in plain French: figures formatted, thresholds on the scale,
names rather than ids, and tables a keyboard can scroll."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from pollen.applications.models import Application, Kind
from pollen.places import services as place_services
from pollen.places.models import PlaceKind
from pollen.selection import adapters, services
from pollen.selection.adapters import ScenarioParameters
from pollen.territory.models import Commune
from tests.selection.test_access import runs  # noqa: F401 - the two scenarios, as a fixture

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"


def text_of(response) -> str:
    """The page's visible text, tags and SVG drawings left out, entities decoded."""
    body = response.content.decode()
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_scenario_page_writes_every_figure_the_french_way(client, personas, runs):  # noqa: F811
    client.force_login(personas["committee"])
    territory = runs[1]  # w = 10: Rennes and Lyon are in for the people they bring
    page = text_of(
        client.get(reverse("selection:run_detail", args=[territory.call.slug, territory.pk]))
    )
    assert f"enveloppe 150{NNBSP}000,00\u00a0€" in page and "150000.00" not in page
    assert f"750{NNBSP}080" in page and "750080" not in page  # people newly near a fablab
    assert "81,71" in page and "81,708" not in page  # the objective, two decimals
    assert "de 20 km d'un lieu" in page and " R km" not in page  # the maps' headings


def test_no_threshold_outside_the_0_to_5_scale_is_named(client, personas, runs):  # noqa: F811
    client.force_login(personas["committee"])
    territory = runs[1]
    page = text_of(
        client.get(reverse("selection:run_detail", args=[territory.call.slug, territory.pk]))
    )
    assert "Aucune note ne la ferait sortir : même notée 0,00, elle resterait retenue." in page
    assert (
        "Aucune note ne la ferait entrer : même la note maximale (5,00) ne suffirait pas." in page
    )
    assert "note de -0," not in page
    for number in re.findall(r"note (?:de|d'au moins) (-?\d+,\d\d)", page):
        assert 0 <= float(number.replace(",", ".")) <= 5, number


def test_the_solver_figures_wait_in_the_technical_details(client, personas, runs):  # noqa: F811
    client.force_login(personas["committee"])
    run = runs[0]
    body = client.get(
        reverse("selection:run_detail", args=[run.call.slug, run.pk])
    ).content.decode()
    details = body[body.index('<details class="fr-mt-4w" id="technical-details">') :]
    details = details[: details.index("</details>")]
    assert "Détails techniques" in details and run.problem_sha256 in details
    assert "Solveur" in details and "Solveur" not in body.replace(details, "")


def test_the_tables_have_captions_headers_and_scroll_with_the_keyboard(client, personas, runs):  # noqa: F811
    client.force_login(personas["committee"])
    slug, a, b = runs[0].call.slug, runs[0].pk, runs[1].pk
    for url in (
        reverse("selection:run_detail", args=[slug, a]),
        reverse("selection:compare", args=[slug]) + f"?a={a}&b={b}",
    ):
        body = client.get(url).content.decode()
        tables = re.findall(r"<table[^>]*>\s*<caption>", body)
        assert len(tables) >= 2
        assert all('tabindex="0"' in t for t in tables)
        assert '<th scope="row">' in body  # each candidate's name heads its row
        assert ">✓<" not in body.replace('<span aria-hidden="true">✓</span>', "")


def test_a_candidates_own_fablab_never_counts_against_it(client, personas, world):
    rennes = world["35238"]
    Application.objects.filter(pk=rennes.pk).update(kind=Kind.IMPROVEMENT)
    commune = Commune.objects.get(code="35238")
    values = {"kind": PlaceKind.FABLAB, "commune_id": "35238", "latitude": commune.latitude,
              "longitude": commune.longitude}  # fmt: skip
    place_services.create_place(
        acting_user=None,
        values={**values, "name": "Fablab de Rennes", "organisation_id": rennes.organisation_id},
    )
    place_services.create_place(acting_user=None, values={**values, "name": "Atelier voisin"})
    pool = adapters.candidate_pool(rennes.call)
    assert [label for _lat, _lon, label in pool.places] == ["Atelier voisin"]
    run = services.run_scenario(
        acting_user=personas["committee"],
        call=rennes.call,
        name="Couverture",
        parameters=ScenarioParameters(
            envelope=Decimal("150000.00"), max_awards=2, coverage_weight=Decimal("10")
        ),
    )
    client.force_login(personas["committee"])
    page = text_of(client.get(reverse("selection:run_detail", args=[rennes.call.slug, run.pk])))
    assert "« Fablab de Rennes »" not in page
    committee = text_of(client.get(reverse("selection:committee", args=[rennes.call.slug])))
    assert "1 lieu existant de l'annuaire compte pour la couverture." in committee
    assert "le lieu d'un porteur candidat ne compte jamais contre lui" in committee
    overlap = next(e for e in run.explanations if e["id"] == str(rennes.pk))["message"]
    if "déjà couverte" in overlap:  # covered by the other place, and the page says why
        assert "« Atelier voisin »" in overlap and "à moins de 20 km d'elle" in overlap


def explanation_cells(response) -> list[str]:
    """The « Pourquoi » and « Ce qui la ferait basculer » cells of the candidates' table."""
    body = response.content.decode()
    return [html.unescape(c) for c in re.findall(r'<td class="fr-text--sm">(.*?)</td>', body)]


@pytest.mark.parametrize(
    ("language", "score", "not_score"),
    [("fr", r"\d,\d\d\b", r"\d\.\d\d\b"), ("en", r"\d\.\d\d\b", r"\d,\d\d\b")],
)
def test_the_explanations_write_their_figures_in_the_page_language(
    client,
    settings,
    personas,
    runs,  # noqa: F811
    language,
    score,
    not_score,
):
    client.force_login(personas["committee"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    run = runs[1]

    response = client.get(reverse("selection:run_detail", args=[run.call.slug, run.pk]))

    assert response["Content-Language"] == language
    cells = [c for c in explanation_cells(response) if c != "—"]
    assert len(cells) >= len(run.explanations)  # a reason for every candidate, and flips
    assert any(re.search(score, c) for c in cells)  # the scores: « 4,50 » / "4.50"
    assert not any(re.search(not_score, c) for c in cells)
    # The stored French, with plain spaces, stays for decision letters and exports.
    stored = {e["message"] for e in run.explanations}
    if language == "fr":
        assert {c.replace(NNBSP, " ").replace("\u00a0", " ") for c in cells} >= stored
