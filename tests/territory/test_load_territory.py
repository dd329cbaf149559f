"""The territory loader on a small copy of the reference files: idempotent, Paris counted once."""

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from pollen.territory.models import Commune, CommuneKind
from pollen.territory.selectors import commune_points

HEADER = [
    "code_insee",
    "nom",
    "type",
    "zone",
    "departement",
    "region",
    "population",
    "latitude",
    "longitude",
    "source_coord",
]
ROWS = [
    ["75056", "Paris", "commune-actuelle", "metro", "75", "11", "2133111", "48.85", "2.34", "x"],
    [
        "75101",
        "Paris 1er Arrondissement",
        "arrondissement-municipal",
        "metro",
        "75",
        "11",
        "15917",
        "48.86",
        "2.33",
        "x",
    ],
    [
        "75102",
        "Paris 2e Arrondissement",
        "arrondissement-municipal",
        "metro",
        "75",
        "11",
        "21595",
        "48.86",
        "2.34",
        "x",
    ],
    ["35238", "Rennes", "commune-actuelle", "metro", "35", "53", "227830", "48.11", "-1.68", "x"],
    [
        "98411",
        "Îles Saint-Paul et Nouvelle-Amsterdam",
        "commune-actuelle",
        "com",
        "984",
        "",
        "0",
        "",
        "",
        "",
    ],
]


@pytest.fixture
def data_dir(tmp_path, settings) -> Path:
    (tmp_path / "communes-coordonnees-fusion").mkdir()
    with open(
        tmp_path / "communes-coordonnees-fusion" / "communes_coordonnees_decoupage6.csv",
        "w",
        newline="",
        encoding="utf-8",
    ) as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    dec = tmp_path / "decoupage-administratif"
    dec.mkdir()
    (dec / "regions.json").write_text(
        json.dumps([{"code": "11", "nom": "Île-de-France"}, {"code": "53", "nom": "Bretagne"}])
    )
    (dec / "departements.json").write_text(
        json.dumps(
            [
                {"code": "75", "nom": "Paris", "region": "11"},
                {"code": "35", "nom": "Ille-et-Vilaine", "region": "53"},
            ]
        )
    )
    (dec / "communes.json").write_text(
        json.dumps(
            [
                {"code": "75056", "type": "commune-actuelle", "codesPostaux": ["75001", "75002"]},
                {"code": "75101", "type": "arrondissement-municipal", "codesPostaux": ["75001"]},
                {"code": "35238", "type": "commune-actuelle", "codesPostaux": ["35000", "35200"]},
                {"code": "35238", "type": "commune-deleguee", "codesPostaux": ["99999"]},
            ]
        )
    )
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_it_loads_communes_and_arrondissements_and_counts_paris_once(data_dir, db, capsys):
    call_command("load_territory", verbosity=0)
    assert (
        "2 régions, 2 départements, 3 communes et 2 arrondissements municipaux"
        in capsys.readouterr().out
    )
    assert Commune.objects.get(code="75101").parent_id == "75056"
    assert Commune.objects.get(code="35238").postal_codes == "35000 35200"
    assert (
        Commune.objects.actuelles().aggregate(total=Sum("population"))["total"] == 2133111 + 227830
    )
    assert {p.insee for p in commune_points()} == {
        "75056",
        "35238",
    }  # no arrondissement, no pointless TAAF
    assert Commune.objects.filter(kind=CommuneKind.ARRONDISSEMENT).count() == 2


def test_running_it_twice_changes_nothing_and_skips_unchanged_files(data_dir, db, capsys):
    call_command("load_territory", verbosity=0)
    first = list(Commune.objects.order_by("code").values())
    call_command("load_territory", verbosity=0)
    assert "Territoire déjà à jour" in capsys.readouterr().out
    call_command("load_territory", "--force", verbosity=0)
    assert "Territoire chargé" in capsys.readouterr().out
    assert list(Commune.objects.order_by("code").values()) == first


def test_a_changed_file_is_loaded_again(data_dir, db, capsys):
    call_command("load_territory", verbosity=0)
    path = data_dir / "communes-coordonnees-fusion" / "communes_coordonnees_decoupage6.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("227830", "230000"), encoding="utf-8")
    call_command("load_territory", verbosity=0)
    assert Commune.objects.get(code="35238").population == 230000


def test_a_missing_file_is_explained(tmp_path, settings, db):
    settings.DATA_DIR = tmp_path / "nowhere"
    with pytest.raises(Exception, match="POLLEN_DATA_DIR"):
        call_command("load_territory", verbosity=0)
