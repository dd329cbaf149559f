"""The national standard's vocabulary: phones in +33 form, v1 services and fees from 0.1.x."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from pollen.places.standard import (
    FEES,
    SERVICES,
    SERVICES_FROM_0X,
    national_phone,
    v1_fees,
    v1_services,
)

SCHEMAS = Path(settings.DATA_DIR) / "schema-lieux-mediation-numerique"


def _pattern(schema: str, name: str) -> str:
    fields = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))["fields"]
    return next(f for f in fields if f["name"] == name)["constraints"]["pattern"]


def _labels(schema: str, name: str) -> list[str]:
    """The alternatives of a pattern such as "(?:(?:^|;)(A|B|C))+$", unescaped."""
    inner = re.search(r"\)\((.*)\)\)\+\$$", _pattern(schema, name))
    assert inner is not None
    return [re.sub(r"\\(.)", r"\1", label) for label in re.split(r"(?<!\\)\|", inner.group(1))]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("02 97 37 83 00", "+33297378300"),
        ("02.40.07.68.86", "+33240076886"),
        ("02 98 10 16 84 ", "+33298101684"),
        ("+33180059880", "+33180059880"),
        ("+33 (0)4 50 73 57 12", "+33450735712"),
        ("+33 0450735712", "+33450735712"),
        ("0033 4 50 73 57 12", "+33450735712"),
        ("04-50-73-57-12", "+33450735712"),
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe
        ("0690 12 34 56", "+590690123456"),
        ("0594 30 12 34", "+594594301234"),  # Guyane
        ("0596 12 34 56", "+596596123456"),  # Martinique
        ("0262 21 00 00", "+262262210000"),  # La Réunion
        ("0692 12 34 56", "+262692123456"),
        ("0269 61 00 00", "+262269610000"),  # Mayotte shares +262
        ("05 08 41 23 45", "+508412345"),  # Saint-Pierre-et-Miquelon
        ("+590 590 12 34 56", "+590590123456"),
        ("02 98 00 00 00 / 06 12 34 56 78", "+33298000000"),
        ("standard : 02 98 00 00 00", ""),
        ("3939", ""),
        ("450735712", ""),  # the leading zero lost: not guessed
        ("+44 20 7946 0000", ""),  # not a code the standard allows
        ("+33 =cmd|' /C calc'!A0", ""),
        ("", ""),
    ],
)
def test_it_writes_phones_in_the_standards_form_or_not_at_all(raw, expected):
    assert national_phone(raw) == expected
    pattern = _pattern("schema.json", "telephone")
    assert expected == "" or re.match(pattern, expected)


def test_every_0x_service_label_has_a_v1_label_the_schema_allows():
    old = _labels("earlier-versions/schema-0.1.x-0480b50.json", "services")
    assert sorted(old) == sorted(SERVICES_FROM_0X)
    allowed = _labels("schema.json", "services")
    assert list(SERVICES) == allowed
    assert set(SERVICES_FROM_0X.values()) <= set(allowed)


def test_services_are_mapped_in_the_standards_order_without_repeats():
    hinaura = [
        "Accéder à une connexion internet",
        "Accéder à du matériel",
        "Accompagner les démarches de santé",
        "Réaliser des démarches administratives avec un accompagnement",
    ]
    assert v1_services(hinaura) == [
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ]
    assert v1_services(["Créer avec le numérique", "Prendre en main un ordinateur"]) == [
        "Maîtrise des outils numériques du quotidien",
        "Loisirs et créations numériques",
    ]


def test_v1_labels_stay_and_unknown_labels_are_dropped():
    assert v1_services(
        ["Loisirs et créations numériques", "Impression 3D", "prendre en main un ORDINATEUR"]
    ) == [
        "Maîtrise des outils numériques du quotidien",
        "Loisirs et créations numériques",
    ]
    assert v1_services([]) == []


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ("Gratuit : Je peux accéder gratuitement au lieu et à ses services", ["Gratuit"]),
        (
            "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer; Payant : "
            "L'accès au lieu et/ou à ses services est payant; Gratuit sous condition : La "
            "gratuité est conditionnée à des critères (situation familiale…)",
            ["Gratuit sous condition", "Payant"],
        ),
        ("Gratuit sous condition|Payant", ["Gratuit sous condition", "Payant"]),
        ("Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique", []),
        ("Sur adhésion, 20 € par an", []),
        ("", []),
    ],
)
def test_fees_come_from_the_access_conditions_pollen_keeps(conditions, expected):
    assert v1_fees(conditions) == expected
    assert set(expected) <= set(FEES)
