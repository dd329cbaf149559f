"""The programme's dashboard: charts with a title, axis names and values written out, tables a
keyboard can scroll, every figure formatted."""

import re

import pytest

from tests.grants.test_views import grant  # noqa: F401 - an awarded grant, as a fixture

pytestmark = pytest.mark.django_db
URL = "/subventions/programmes/fablabs-economie-collaborative/"


def test_each_chart_has_its_title_axis_names_and_values_as_text(client, personas, grant):  # noqa: F811
    client.force_login(personas["manager"])
    page = client.get(URL).content.decode()
    chart = re.search(r'<svg[^>]*id="by-call-chart".*?</svg>', page, re.S)
    assert chart is not None
    svg = chart.group(0)
    assert '<title id="by-call-title">Engagé par appel</title>' in svg
    assert ">Barres : Appel ; longueur : montant engagé, en euros</text>" in svg
    amount = grant.committed_cents // 100
    written = f"{amount // 1000}\u202f{amount % 1000:03d},00\u00a0€"
    assert f">{written}</text>" in svg  # the bar's value, written beside it
    assert f">{grant.call.title}</text>" in svg  # and its label
    assert str(grant.committed_cents) not in page


def test_the_dashboards_tables_scroll_with_the_keyboard_and_have_row_headers(
    client,
    personas,
    grant,  # noqa: F811
):
    client.force_login(personas["manager"])
    page = client.get(URL).content.decode()
    tables = re.findall(r"<table[^>]*>\s*<caption>", page)
    assert len(tables) >= 5 and all('tabindex="0"' in t for t in tables)
    assert '<th scope="col">Région</th>' in page and '<th scope="row">2013</th>' in page
