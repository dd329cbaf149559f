"""The vocabulary of the national standard v1.0.2: services, fees and phones, and what 0.1.x said."""

import re
from collections.abc import Iterable

from pollen.places.records import plain

SCHEMA_VERSION = "v1.0.2"

# The nine labels the `services` pattern of schema.json allows, in its order.
SERVICES = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)

# The fifteen labels of the 0.1.x schema (those of the Hinaura file and of other pre-2024
# files), each with the closest v1 label. Every 0.1.x label has one; a label in neither list
# (free text, a typo beyond accents and case) is dropped rather than guessed.
#
# | 0.1.x label                                                 | v1.0.2 label                          |
# |-------------------------------------------------------------|---------------------------------------|
# | Devenir autonome dans les démarches administratives         | Aide aux démarches administratives    |
# | Réaliser des démarches administratives avec un accompagnement | Aide aux démarches administratives  |
# | Accompagner les démarches de santé                          | Aide aux démarches administratives (1)|
# | Prendre en main un smartphone ou une tablette               | Maîtrise des outils numériques du quotidien |
# | Prendre en main un ordinateur                               | Maîtrise des outils numériques du quotidien |
# | Utiliser le numérique au quotidien                          | Maîtrise des outils numériques du quotidien |
# | Approfondir ma culture numérique                            | Compréhension du monde numérique      |
# | Promouvoir la citoyenneté numérique                         | Compréhension du monde numérique (2)  |
# | Favoriser mon insertion professionnelle                     | Insertion professionnelle via le numérique |
# | Créer et développer mon entreprise                          | Insertion professionnelle via le numérique (3) |
# | Accéder à une connexion internet                            | Accès internet et matériel informatique |
# | Accéder à du matériel                                       | Accès internet et matériel informatique |
# | S'équiper en matériel informatique                          | Acquisition de matériel informatique à prix solidaire |
# | Créer avec le numérique                                     | Loisirs et créations numériques       |
# | Soutenir la parentalité et l'éducation avec le numérique    | Parentalité et éducation avec le numérique |
#
# (1) online health procedures (Ameli, Mon Espace Santé) are procedures; v1 puts the
#     « Mon Espace Santé » training among the labels of the same offer.
# (2) citizenship is about understanding the digital world (information, rights), not about
#     using it safely.
# (3) the only v1 label about work; no v1 label is about founding a company.
# "Utilisation sécurisée du numérique" has no 0.1.x ancestor: never produced from old data.
SERVICES_FROM_0X = {
    "Devenir autonome dans les démarches administratives": SERVICES[0],
    "Réaliser des démarches administratives avec un accompagnement": SERVICES[0],
    "Accompagner les démarches de santé": SERVICES[0],
    "Prendre en main un smartphone ou une tablette": SERVICES[1],
    "Prendre en main un ordinateur": SERVICES[1],
    "Utiliser le numérique au quotidien": SERVICES[1],
    "Approfondir ma culture numérique": SERVICES[6],
    "Promouvoir la citoyenneté numérique": SERVICES[6],
    "Favoriser mon insertion professionnelle": SERVICES[2],
    "Créer et développer mon entreprise": SERVICES[2],
    "Accéder à une connexion internet": SERVICES[7],
    "Accéder à du matériel": SERVICES[7],
    "S'équiper en matériel informatique": SERVICES[8],
    "Créer avec le numérique": SERVICES[5],
    "Soutenir la parentalité et l'éducation avec le numérique": SERVICES[4],
}

# v1 `frais_a_charge` from the text Pollen keeps in access_conditions: a v1 value, or a 0.1.x
# `conditions_acces` value ("Gratuit : Je peux accéder…"), read by the words before " : ".
# "Adhésion" (a membership can be free) and "Accepte le Pass numérique" (a voucher, not a
# price) say nothing of the fee level: dropped.
FEES = ("Gratuit", "Gratuit sous condition", "Payant")

# The country codes the `telephone` pattern allows, and, for a French national number
# (0 + 9 digits), the overseas ones its first digits denote (ARCEP numbering plan; Mayotte
# shares La Réunion's +262; Saint-Pierre-et-Miquelon's 6-digit numbers follow +508).
PHONE_PATTERN = re.compile(
    r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$"
)
_OVERSEAS_PREFIXES = {
    "0590": "+590",
    "0690": "+590",
    "0691": "+590",
    "0594": "+594",
    "0694": "+594",
    "0596": "+596",
    "0696": "+596",
    "0697": "+596",
    "0262": "+262",
    "0263": "+262",
    "0692": "+262",
    "0693": "+262",
    "0269": "+262",
    "0639": "+262",
}
_SAINT_PIERRE = "0508"
_PHONE_SEPARATORS = re.compile(r"\s*(?:/|;|\||,|\bou\b|\bet\b)\s*", re.IGNORECASE)
_TRUNK_ZERO = re.compile(r"\(0\)")


def _key(label: str) -> str:
    return plain(label).replace("’", "'").strip()


_V1_BY_KEY = {_key(label): label for label in SERVICES}
_V1_FROM_0X_BY_KEY = {_key(old): new for old, new in SERVICES_FROM_0X.items()}
_FEES_BY_KEY = {_key(label): label for label in FEES}


def v1_services(labels: Iterable[str]) -> list[str]:
    """The v1 labels for labels of either layout, in the standard's order, without repeats."""
    found = set()
    for label in labels:
        key = _key(label)
        new = _V1_BY_KEY.get(key) or _V1_FROM_0X_BY_KEY.get(key)
        if new:
            found.add(new)
    return [label for label in SERVICES if label in found]


def v1_fees(access_conditions: str) -> list[str]:
    """The v1 fee levels named in Pollen's access conditions text (see FEES)."""
    found = set()
    for item in re.split(r"[;|]", access_conditions):
        level = _FEES_BY_KEY.get(_key(item.split(" : ", 1)[0]))
        if level:
            found.add(level)
    return [label for label in FEES if label in found]


def national_phone(text: str) -> str:
    """The first number of the text in the standard's form (+33 then 9 digits, or an overseas
    code), or "" when none can be read without guessing."""
    for part in _PHONE_SEPARATORS.split(text or ""):
        phone = _one_phone(part)
        if phone:
            return phone
    return ""


def _one_phone(text: str) -> str:
    compact = _TRUNK_ZERO.sub("", text.strip())
    if re.search(r"[^\d\s.\-+()]", compact):
        return ""
    digits = re.sub(r"\D", "", compact)
    if compact.startswith("+"):
        phone = "+" + digits
    elif digits.startswith("00"):
        phone = "+" + digits[2:]
    elif len(digits) == 10 and digits.startswith("0"):
        phone = _national(digits)
    else:
        return ""
    if phone.startswith("+330") and len(phone) == 13:
        phone = "+33" + phone[4:]
    return phone if PHONE_PATTERN.match(phone) else ""


def _national(digits: str) -> str:
    if digits.startswith(_SAINT_PIERRE):
        return "+508" + digits[4:]
    return _OVERSEAS_PREFIXES.get(digits[:4], "+33") + digits[1:]
