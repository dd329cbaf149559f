"""import_places: idempotent by source id, tolerant of bad rows, never half-written."""

import csv
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from pollen.audit.models import AuditEvent
from pollen.places.exports import NATIONAL_COLUMNS
from pollen.places.models import Place, PlaceKind

GOOD = {
    "id": "42",
    "nom": "Fablab de Quimper",
    "services": "Accéder à du matériel;Prendre en main un ordinateur",
    "pivot": "00000000000000",
    "commune": "Quimper",
    "code_postal": "29000",
    "adresse": "2 rue de l'Atelier",
    "latitude": 47.99,
    "longitude": -4.10,
    "horaires": "Tu-Sa 14:00-19:00",
    "conditions_acces": "Gratuit",
    "source": "Test",
    "date_maj": "2022-03-01",
}


def run_import(capsys, path: Path, fmt: str = "mediation-numerique") -> str:
    call_command("import_places", str(path), "--format", fmt)
    return capsys.readouterr().out


def write_json(tmp_path: Path, rows: list, name: str = "lieux.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_it_imports_a_row_of_the_standard_with_its_commune_and_hours(territory, tmp_path, capsys):
    out = run_import(capsys, write_json(tmp_path, [GOOD]))
    place = Place.objects.get()
    assert "1 lieu(x) créé(s)" in out
    assert (place.source, place.source_id, place.commune_id) == ("Test", "42", "29232")
    assert (place.latitude, place.longitude, place.approximate) == (47.99, -4.10, False)
    assert place.kind == PlaceKind.FABLAB  # recognised in the name
    assert place.opening_hours_parsed and place.opening_hours == "Tu-Sa 14:00-19:00"
    assert place.services == ["Accéder à du matériel", "Prendre en main un ordinateur"]
    assert place.verified_on.isoformat() == "2022-03-01"
    assert place.siret == ""  # the all-zero pivot is no SIRET
    event = AuditEvent.objects.get(object_type="places.place", object_id=str(place.pk))
    assert event.action == "place.imported" and event.after["name"] == "Fablab de Quimper"


def test_a_second_run_creates_nothing_and_updates_nothing(territory, tmp_path, capsys):
    path = write_json(tmp_path, [GOOD, {**GOOD, "id": "43", "nom": "EPN de Brest"}])
    run_import(capsys, path)
    events = AuditEvent.objects.count()
    out = run_import(capsys, path)
    assert "0 lieu(x) créé(s), 0 mis à jour, 2 inchangé(s)" in out
    assert Place.objects.count() == 2 and AuditEvent.objects.count() == events


def test_a_changed_row_is_updated_with_before_and_after(territory, tmp_path, capsys):
    run_import(capsys, write_json(tmp_path, [GOOD]))
    out = run_import(capsys, write_json(tmp_path, [{**GOOD, "horaires": "Sa 10:00-18:00"}]))
    assert "0 lieu(x) créé(s), 1 mis à jour" in out
    assert "mis à jour : Test:42 « Fablab de Quimper »" in out
    event = AuditEvent.objects.filter(action="place.reimported").get()
    assert event.before == {"opening_hours": "Tu-Sa 14:00-19:00"}
    assert event.after == {"opening_hours": "Sa 10:00-18:00"}


def test_a_row_without_coordinates_gets_its_commune_point_marked_approximate(
    territory, tmp_path, capsys
):
    rows = [
        {**GOOD, "id": "1", "latitude": None, "longitude": ""},
        {**GOOD, "id": "2", "commune": "BREST", "code_postal": "29200", "latitude": "abc"},
        {**GOOD, "id": "3", "code_insee": "75101", "commune": "Paris", "latitude": None},
    ]
    del rows[0]["latitude"]
    out = run_import(capsys, write_json(tmp_path, rows))
    by_id = {p.source_id: p for p in Place.objects.all()}
    assert (by_id["1"].latitude, by_id["1"].longitude) == (47.9961, -4.1025)
    assert by_id["1"].approximate and by_id["1"].commune_id == "29232"
    assert by_id["2"].commune_id == "29019" and by_id["2"].approximate  # postal code + name
    assert by_id["3"].commune_id == "75056"  # an arrondissement gives its commune
    assert "sans coordonnées : position de la commune Quimper (approximative)" in out


def test_rows_outside_france_or_impossible_to_place_are_skipped_with_the_reason(
    territory, tmp_path, capsys
):
    rows = [
        {**GOOD, "id": "1", "latitude": 40.71, "longitude": -74.0},  # New York
        {
            **GOOD,
            "id": "2",
            "latitude": None,
            "longitude": None,
            "commune": "Nulle-Part",
            "code_postal": "99999",
        },
        {**GOOD, "id": "3", "nom": ""},
        {**GOOD, "id": "4", "latitude": -21.1, "longitude": 55.5},  # La Réunion is France
        GOOD,
    ]
    out = run_import(capsys, write_json(tmp_path, rows))
    assert sorted(Place.objects.values_list("source_id", flat=True)) == ["4", "42"]
    assert "coordonnées hors de France (latitude 40.71, longitude -74) : lieu ignoré" in out
    assert "ni coordonnées ni commune reconnue" in out
    assert "identifiant ou nom manquant" in out
    assert "2 lieu(x) créé(s), 0 mis à jour, 0 inchangé(s), 3 ignoré(s)" in out


def test_an_unknown_machine_is_kept_and_the_import_warns(territory, tmp_path, capsys):
    row = {**GOOD, "machines": "Découpeuse laser;imprimante 3D Prusa;Thermoformeuse"}
    out = run_import(capsys, write_json(tmp_path, [row]))
    place = Place.objects.get()
    assert place.machines == ["laser_cutter", "3d_printer"]
    assert place.other_machines == ["Thermoformeuse"]
    assert "machine inconnue « Thermoformeuse » : gardée dans « autres machines »" in out


def test_unreadable_hours_are_kept_as_text_and_never_fail_the_import(territory, tmp_path, capsys):
    out = run_import(capsys, write_json(tmp_path, [{**GOOD, "horaires": "le mardi, sur rdv"}]))
    place = Place.objects.get()
    assert place.opening_hours == "le mardi, sur rdv" and not place.opening_hours_parsed
    assert place.opening_hours_error
    assert "horaires illisibles, gardés tels quels" in out


def test_a_duplicate_id_in_the_file_is_skipped(territory, tmp_path, capsys):
    out = run_import(capsys, write_json(tmp_path, [GOOD, {**GOOD, "nom": "Doublon"}]))
    assert Place.objects.get().name == "Fablab de Quimper"
    assert "identifiant en double dans le fichier" in out


@pytest.mark.parametrize(
    ("name", "content", "fmt", "message"),
    [
        ("a.json", "{oops", "mediation-numerique", "JSON illisible"),
        (
            "a.json",
            '{"type": "FeatureCollection", "features": []}',
            "mediation-numerique",
            "--format maplabbzh",
        ),
        (
            "a.csv",
            "name,lat\nx,1\n",
            "mediation-numerique",
            "Colonnes obligatoires absentes : id, nom",
        ),
        ("a.txt", "id,nom\n1,x\n", "mediation-numerique", "Extension « .txt » non reconnue"),
        ("a.geojson", "[1, 2]", "maplabbzh", "FeatureCollection"),
        ("a.json", json.dumps({"x": 1}), "mediation-numerique", "doit être une liste"),
    ],
)
def test_a_file_in_the_wrong_format_is_refused_with_exit_code_2(
    territory, tmp_path, name, content, fmt, message
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_places", str(path), "--format", fmt)
    assert refused.value.returncode == 2
    assert message in str(refused.value)
    assert not Place.objects.exists()


def test_it_reads_the_national_csv_layout_and_names_unknown_columns(territory, tmp_path, capsys):
    path = tmp_path / "lieux.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*NATIONAL_COLUMNS, "colonne_maison"])
        writer.writeheader()
        writer.writerow(
            {
                "id": "csv-1",
                "nom": "Tiers-lieu de Rennes",
                "code_insee": "35238",
                "code_postal": "35000",
                "commune": "Rennes",
                "latitude": "48,11",
                "longitude": "-1.68",
                "typologie": "TIERS_LIEUX",
                "services": "Accéder à du matériel|Créer avec le numérique",
                "courriels": "contact@tiers-lieu.example|autre@tiers-lieu.example",
                "site_web": "www.tiers-lieu.example",
                "source": "Rennes Métropole",
                "colonne_maison": "x",
            }
        )
        writer.writerow({"id": "csv-2", "nom": "Sans point ni commune"})
    out = run_import(capsys, path)
    place = Place.objects.get()
    assert place.kind == PlaceKind.TIERS_LIEU and place.source_kind == "TIERS_LIEUX"
    assert (place.latitude, place.commune_id) == (48.11, "35238")
    assert place.services == ["Accéder à du matériel", "Créer avec le numérique"]
    assert place.email == "contact@tiers-lieu.example"
    assert place.website == "https://www.tiers-lieu.example"
    assert "Colonnes ignorées : colonne_maison" in out
    assert "1 ignoré(s)" in out


def test_maplabbzh_maps_structures_to_kinds_and_places_features_without_geometry(
    territory, tmp_path, capsys
):
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": "1",
                "name": "MakerSpace",
                "structure": "fablabMIT",
                "adresse": "VIPE<br />Bât. A",
                "cp": "29000",
                "ville": "Quimper",
                "web": "http://maker.example",
            },
            "geometry": {"type": "Point", "coordinates": [-4.1, 47.99]},
        },
        {
            "type": "Feature",
            "properties": {
                "id": "2",
                "name": "Cantine",
                "structure": "cantine",
                "cp": "35000",
                "ville": "Rennes",
                "web": "javascript:alert(1)",
            },
            "geometry": None,
        },
        {
            "type": "Feature",
            "properties": {
                "id": "3",
                "name": "Lab inconnu",
                "structure": "spatioport",
                "cp": "29200",
                "ville": "Brest",
            },
            "geometry": {"type": "Point", "coordinates": [-4.49, 48.39]},
        },
    ]
    path = tmp_path / "bzh.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    out = run_import(capsys, path, "maplabbzh")
    by_id = {p.source_id: p for p in Place.objects.filter(source="maplabbzh")}
    assert by_id["1"].kind == PlaceKind.FABLAB and by_id["1"].address == "VIPE, Bât. A"
    assert by_id["1"].commune_id == "29232" and not by_id["1"].approximate
    assert by_id["2"].kind == PlaceKind.TIERS_LIEU and by_id["2"].approximate
    assert by_id["2"].website == ""  # only http(s) links are kept
    assert by_id["3"].kind == PlaceKind.OTHER
    assert "type de structure inconnu « spatioport »" in out


def test_the_two_shared_datasets_are_imported_whole_and_idempotently(territory, capsys):
    data = Path(settings.DATA_DIR)
    mediation = data / "lieux-mediation-numerique-hinaura-2022" / "source.json"
    bretagne = data / "fablabs-tierslieux-bretagne-maplabbzh" / "map_bzh_fablab.geojson"
    first = run_import(capsys, mediation) + run_import(capsys, bretagne, "maplabbzh")
    assert "687 lieu(x) créé(s)" in first and "121 lieu(x) créé(s)" in first
    assert Place.objects.count() == 808
    assert Place.objects.filter(source="maplabbzh", kind=PlaceKind.FABLAB).count() == 45
    again = run_import(capsys, mediation) + run_import(capsys, bretagne, "maplabbzh")
    assert "0 lieu(x) créé(s), 0 mis à jour, 687 inchangé(s)" in again
    assert "0 lieu(x) créé(s), 0 mis à jour, 121 inchangé(s)" in again
