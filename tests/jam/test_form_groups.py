"""manage.py form_groups FILE.json: 0 with the split, 1 if the rules cannot hold, 2 if invalid."""

import json

import pytest
from django.core.management import call_command

JAM = {
    "groups": [{"id": "fab", "theme": "Fabrication"}, {"id": 2, "theme": "Éducation"}],
    "participants": [
        {"id": 1, "organisation": "Fablab", "kind": "entreprise", "preferences": ["fab", 2]},
        {"id": "b", "organisation": "fablab", "kind": "entreprise", "preferences": ["fab"]},
        {"id": "c", "organisation": None, "kind": "citoyen", "preferences": [2]},
        {"id": "d", "kind": "élu", "preferences": ["2"], "present": False},
        {"id": "e", "kind": "association"},
    ],
    "fixed": [{"participant": "e", "group": "fab"}],
}


def run(tmp_path, capsys, content, *options):
    path = tmp_path / "jam.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    try:
        call_command("form_groups", str(path), *options)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr()


def with_participant(n, **changes):
    participants = [dict(p) for p in JAM["participants"]]
    participants[n] = {k: v for k, v in {**participants[n], **changes}.items() if v != "-"}
    return dict(JAM, participants=participants)


def test_it_prints_the_optimal_split_and_exits_0(tmp_path, capsys):
    code, out = run(tmp_path, capsys, JAM)
    assert code == 0
    # The two Fablab colleagues apart (0 pairs); then b (fab first) with e (pinned to fab),
    # and 1 (fab first, 2 second) with c (2 first): 3 + 2 + 3 points.
    assert json.loads(out.out) == {
        "groups": {"fab": ["b", "e"], "2": [1, "c"]},
        "same_organisation_pairs": 0,
        "preference_points": 8,
        "optimal": True,
    }
    assert out.err == ""


def test_it_lists_every_group_even_an_empty_one(tmp_path, capsys):
    jam = dict(JAM, groups=[*JAM["groups"], {"id": "vide"}], participants=[], fixed=[])
    code, out = run(tmp_path, capsys, jam, "--time-limit", "5")
    assert code == 0
    assert json.loads(out.out)["groups"] == {"fab": [], "2": [], "vide": []}


def test_it_says_which_rule_cannot_hold_and_exits_1(tmp_path, capsys):
    fixed = [{"participant": 1, "group": "fab"}, {"participant": "b", "group": "fab"}]
    code, out = run(tmp_path, capsys, dict(JAM, fixed=fixed))
    assert code == 1
    assert out.out == ""
    assert out.err.strip() == (
        "Répartition impossible : Le groupe « Fabrication » a 2 participants épinglés de type "
        "« entreprise », plus que le maximum de 1 par groupe (2 présents de ce type pour 2 "
        "groupes)."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "(fichier) : ce n'est pas du JSON valide"),
        ([], "(racine) : doit être un objet"),
        ({"groups": []}, "participants : manque"),
        (dict(JAM, extra=1), "extra : champ inconnu"),
        (with_participant(3, kind="-"), "participants[3].kind : manque"),
        (with_participant(3, kind=7), "participants[3].kind : doit être un texte (reçu : 7)"),
        (with_participant(3, kind=" "), "participants[3].kind : est vide"),
        (with_participant(2, id=True), "participants[2].id : doit être un identifiant"),
        (with_participant(2, id="b"), "participants[2].id : « b » est en double (participants[1].id)"),
        (with_participant(2, id="1"), "participants[2].id : « 1 » est en double (participants[0].id)"),
        (with_participant(0, present="yes"), "participants[0].present : doit valoir true ou false"),
        (with_participant(0, organisation=3), "participants[0].organisation : doit être un texte"),
        (with_participant(0, preferences="fab"), "participants[0].preferences : doit être une liste"),
        (with_participant(0, preferences=["x"]), "participants[0].preferences[0] : groupe inconnu « x »"),
        (with_participant(0, preferences=[2, "2"]), "participants[0].preferences[1] : « 2 » est en double"),
        (dict(JAM, groups=[{"id": "g"}, {"id": "g"}]), "groups[1].id : « g » est en double"),
        (dict(JAM, groups=[{"theme": "x"}]), "groups[0].id : manque"),
        (dict(JAM, fixed=[{"participant": "zz", "group": "fab"}]), "fixed[0].participant : participant inconnu « zz »"),
        (dict(JAM, fixed=[{"participant": "b", "group": "zz"}]), "fixed[0].group : groupe inconnu « zz »"),
        (dict(JAM, fixed=[{"participant": "b"}]), "fixed[0].group : manque"),
        (dict(JAM, fixed=[{"participant": "b", "group": 2}, {"participant": "b", "group": "fab"}]),
         "fixed[1].participant : « b » est déjà épinglé (fixed[0])"),
    ],
)  # fmt: skip
def test_it_names_the_invalid_field_and_exits_2(tmp_path, capsys, content, message):
    code, out = run(tmp_path, capsys, content)
    assert code == 2
    assert out.out == ""
    assert f"Fichier invalide : {message}" in out.err


def test_it_lists_every_invalid_field_at_once(tmp_path, capsys):
    jam = with_participant(0, kind="-", preferences=["nope"])
    code, out = run(tmp_path, capsys, jam)
    assert code == 2
    assert out.err.splitlines() == [
        "Fichier invalide : participants[0].kind : manque",
        "Fichier invalide : participants[0].preferences[0] : groupe inconnu « nope »",
    ]


def test_it_says_when_the_file_is_missing_and_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("form_groups", str(tmp_path / "absent.json"))
    assert exit_.value.code == 2
    assert "absent.json : fichier introuvable" in capsys.readouterr().err


def test_it_exits_3_when_no_split_is_found_in_time(tmp_path, capsys):
    code, out = run(tmp_path, capsys, JAM, "--time-limit", "1e-12")
    assert code == 3
    assert out.err.strip() == (
        "Aucune répartition trouvée en 1e-12 s : accordez plus de temps au calcul."
    )


def test_it_refuses_a_time_limit_that_is_not_positive(tmp_path, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nombre de secondes positif"):
        run(tmp_path, capsys, JAM, "--time-limit", "0")
