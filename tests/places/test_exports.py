"""The national export: v1.0.2 columns, valid rows only, and what cannot be written said."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from frictionless import Resource, Schema

from pollen.places.exports import LeftOut, national_row, write_national_csv
from pollen.places.models import Place, PlaceKind
from pollen.places.selectors import places_to_export
from pollen.territory import services as territory_services
from pollen.territory.models import Commune

DATA = Path(settings.DATA_DIR)
SCHEMA = DATA / "schema-lieux-mediation-numerique" / "schema.json"
EXAMPLE = DATA / "schema-lieux-mediation-numerique" / "exemple-valide.csv"
HINAURA = DATA / "lieux-mediation-numerique-hinaura-2022" / "source.json"
MAPLABBZH = DATA / "fablabs-tierslieux-bretagne-maplabbzh" / "map_bzh_fablab.geojson"
# Auvergne-Rhône-Alpes (Hinaura), Bretagne and Loire-Atlantique (#MapLabBZH).
SOURCE_DEPARTEMENTS = {"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"} | {
    "22",
    "29",
    "35",
    "44",
    "56",
}


def validate(path: Path):
    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return Resource(path=path.name, basepath=str(path.parent), schema=schema).validate()


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def export(tmp_path: Path, capsys) -> tuple[Path, str]:
    path = tmp_path / "lieux.csv"
    call_command("export_places", "--output", str(path))
    return path, capsys.readouterr().err


@pytest.fixture
def source_communes(db, tmp_path):
    """The real communes of the départements the two shared sources cover, loaded as
    load_territory does (the whole of France takes half a minute)."""
    full = (DATA / "communes-coordonnees-fusion" / "communes_coordonnees_decoupage6.csv").read_text(
        encoding="utf-8"
    )
    lines = full.splitlines(keepends=True)
    kept = [line for line in lines[1:] if line.split(",")[4] in SOURCE_DEPARTEMENTS]
    communes_csv = tmp_path / "communes.csv"
    communes_csv.write_text(lines[0] + "".join(kept), encoding="utf-8")
    administrative = DATA / "decoupage-administratif"
    territory_services.load_territory(
        regions=administrative / "regions.json",
        departements=administrative / "departements.json",
        communes_csv=communes_csv,
        communes_json=administrative / "communes.json",
    )


def test_the_directory_of_both_real_sources_is_valid_against_the_standard(
    source_communes, tmp_path, capsys
):
    call_command("import_places", str(HINAURA), "--format", "mediation-numerique")
    call_command("import_places", str(MAPLABBZH), "--format", "maplabbzh")
    capsys.readouterr()
    path, err = export(tmp_path, capsys)
    report = validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    assert report.tasks[0].stats["errors"] == 0
    rows = rows_of(path)
    assert len(rows) == 808 - 6
    assert len({r["id"] for r in rows}) == len(rows)
    assert {"hinaura-11", "maplabbzh-11"} <= {r["id"] for r in rows}
    # Five #MapLabBZH places have no address, one only "[online]": left out, and said.
    assert "6 lieu(x) écarté(s)" in err
    for name in ("Tilt", "Le Biome", "Atelier de la Flibuste", "Rhizomes", "MOOC Fabrication"):
        assert name in err
    annecy = next(r for r in rows if r["id"] == "hinaura-36")
    assert (annecy["commune"], annecy["code_insee"], annecy["code_postal"]) == (
        "Annecy",
        "74010",
        "74003",
    )
    assert all(r["telephone"].startswith("+33") for r in rows if r["telephone"])
    assert all(len(r["presentation_resume"]) <= 280 for r in rows)


def test_it_writes_exactly_the_32_columns_of_v1_in_the_schemas_order(territory, make_place):
    make_place("Fablab de Brest", "29019", address="2 rue de l'Atelier")
    buffer = io.StringIO()
    write_national_csv(places_to_export(), buffer)
    fields = json.loads(SCHEMA.read_text(encoding="utf-8"))["fields"]
    header = buffer.getvalue().splitlines()[0].split(",")
    assert header == [f["name"] for f in fields] and len(header) == 32


def test_ids_are_prefixed_by_their_source_and_stay_unique(territory, make_place):
    hinaura = make_place("Espace numérique", "29019", address="1 rue A")
    bzh = make_place("Fablab", "29019", address="1 rue B")
    Place.objects.filter(pk=hinaura.pk).update(source="Hinaura", source_id="1")
    Place.objects.filter(pk=bzh.pk).update(source="maplabbzh", source_id="1")
    own = make_place("Fablab de Pollen", "29019", address="1 rue C")
    buffer = io.StringIO()
    write_national_csv(places_to_export(), buffer)
    ids = [r["id"] for r in csv.DictReader(io.StringIO(buffer.getvalue()))]
    assert sorted(ids) == sorted(["hinaura-1", "maplabbzh-1", f"pollen-{own.pk}"])


def test_the_commune_comes_from_the_postal_code_when_the_place_has_none(territory, make_place):
    place = make_place(
        "Fablab sans commune",
        None,
        address="3 rue C",
        postal_code="29200",
        latitude=48.39,
        longitude=-4.49,
    )
    row = national_row(place)
    assert not isinstance(row, LeftOut)
    assert (row["commune"], row["code_insee"], row["code_postal"]) == ("Brest", "29019", "29200")


def test_a_postal_code_of_several_communes_gives_the_nearest_to_the_place(territory, make_place):
    Commune.objects.create(
        code="29075",
        name="Guipavas",
        search_name="guipavas",
        departement_id="29",
        region_id="53",
        population=14000,
        latitude=48.4347,
        longitude=-4.3997,
        postal_codes="29200 29490",
    )
    near_guipavas = make_place(
        "Atelier",
        None,
        address="Zone de Kergaradec",
        postal_code="29200",
        latitude=48.43,
        longitude=-4.41,
    )
    row = national_row(near_guipavas)
    assert not isinstance(row, LeftOut) and row["commune"] == "Guipavas"


def test_a_cedex_commune_name_is_read_as_the_commune(territory, tmp_path, capsys):
    path = tmp_path / "lieux.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "36",
                    "nom": "Mission locale",
                    "commune": "Rennes Cedex 9",
                    "code_postal": "35043",
                    "adresse": "1 rue D",
                    "latitude": 48.11,
                    "longitude": -1.68,
                }
            ]
        ),
        encoding="utf-8",
    )
    call_command("import_places", str(path), "--format", "mediation-numerique")
    assert "commune introuvable" not in capsys.readouterr().out
    assert Place.objects.get().commune_id == "35238"


def test_the_postal_code_always_has_five_digits(territory, make_place):
    lost_zero = make_place("Lieu", "29019", address="1 rue E", postal_code="")
    row = national_row(lost_zero)
    assert not isinstance(row, LeftOut) and row["code_postal"] == "29200"


def test_places_the_standard_cannot_describe_are_left_out_and_said(
    territory, make_place, tmp_path, capsys
):
    make_place("Fablab de Brest", "29019", address="2 rue de l'Atelier", phone="02 98 00 00 00")
    make_place("Sans adresse", "29019")
    make_place("En ligne", "29019", address="[online]")
    make_place("Nulle part", None, address="1 rue F", postal_code="99999")
    path, err = export(tmp_path, capsys)
    rows = rows_of(path)
    assert [r["nom"] for r in rows] == ["Fablab de Brest"]
    assert rows[0]["telephone"] == "+33298000000"
    assert validate(path).valid
    assert "3 lieu(x) écarté(s)" in err
    assert "« Sans adresse » — pas d'adresse" in err
    assert "« En ligne » — pas d'adresse" in err
    assert "« Nulle part » — commune inconnue" in err


def test_only_what_pollen_knows_fills_the_other_columns(territory, make_place):
    place = make_place(
        "Fablab de Quimper",
        "29232",
        address="[Projet en cours] Rue du Port",
        machines=["laser_cutter"],
        other_machines=[f"machine n° {i}" for i in range(40)],
        services=["Accéder à du matériel", "Créer avec le numérique"],
        access_conditions="Gratuit : Je peux accéder gratuitement au lieu et à ses services",
        opening_hours="le mardi",
    )
    row = national_row(place)
    assert not isinstance(row, LeftOut)
    assert row["adresse"] == "Rue du Port"
    assert len(row["presentation_resume"]) <= 280 and row["presentation_resume"].endswith("…")
    assert (
        row["services"] == "Loisirs et créations numériques|Accès internet et matériel informatique"
    )
    assert row["frais_a_charge"] == "Gratuit"
    assert row["horaires"] == ""  # not OpenStreetMap opening_hours
    assert row["latitude"] == ""  # the commune's centre, not the place's point
    assert "itinerance" not in row and "modalites_acces" not in row


def test_the_official_example_is_imported_as_the_expected_place(territory, capsys):
    Commune.objects.create(
        code="51454",
        name="Reims",
        search_name="reims",
        departement_id="35",
        region_id="53",
        population=180000,
        latitude=49.2535,
        longitude=4.0551,
        postal_codes="51100",
    )
    call_command("import_places", str(EXAMPLE), "--format", "mediation-numerique")
    out = capsys.readouterr().out
    assert "Colonnes du schéma national v1" in out and "Colonnes ignorées" not in out
    assert "1 lieu(x) créé(s)" in out
    place = Place.objects.get()
    assert (place.source, place.source_id, place.name) == ("Hubik", "structure-1", "Anonymal")
    assert (place.commune_id, place.postal_code, place.siret) == (
        "51454",
        "51100",
        "43493312300029",
    )
    assert place.address == "12 BIS RUE DE LECLERCQ, Le patio du bois de l'Aulne"
    assert (place.latitude, place.longitude, place.approximate) == (43.52609, 5.41423, False)
    assert place.kind == PlaceKind.TIERS_LIEU and place.source_kind == "TIERS_LIEUX|ASSO"
    assert place.phone == "+33180059880" and place.email == "contact@laquincaillerie.tl"
    assert place.website == "https://www.laquincaillerie.tl/"
    assert place.opening_hours == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    assert place.services == [
        "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique",
        "Loisirs et créations numériques",
    ]
    assert place.access_conditions == "Gratuit sous condition; Payant"
    assert place.verified_on.isoformat() == "2024-04-02"


def test_a_v1_json_file_is_read_like_the_csv(territory, tmp_path, capsys):
    example = next(csv.DictReader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))
    path = tmp_path / "lieux.json"
    path.write_text(
        json.dumps(
            [{**example, "code_insee": "29019", "commune": "Brest", "code_postal": "29200"}]
        ),
        encoding="utf-8",
    )
    call_command("import_places", str(path), "--format", "mediation-numerique")
    assert "Colonnes du schéma national v1" in capsys.readouterr().out
    place = Place.objects.get()
    assert (
        place.commune_id == "29019" and place.access_conditions == "Gratuit sous condition; Payant"
    )
    assert place.email == "contact@laquincaillerie.tl"


def test_the_export_reads_back_as_v1_and_stays_valid(territory, make_place, tmp_path, capsys):
    make_place(
        "Fablab de Brest", "29019", address="2 rue de l'Atelier", services=["Accéder à du matériel"]
    )
    first, _err = export(tmp_path, capsys)
    Place.objects.all().delete()
    call_command("import_places", str(first), "--format", "mediation-numerique")
    assert "Colonnes du schéma national v1" in capsys.readouterr().out
    again = tmp_path / "again.csv"
    call_command("export_places", "--output", str(again))
    assert validate(again).valid
    assert rows_of(again)[0]["services"] == "Accès internet et matériel informatique"
