"""The form_groups file: JSON in, a roster or the fields in error; a split out, as JSON.

The file: {"groups": [{"id", "theme"}], "participants": [{"id", "organisation", "kind",
"preferences", "present"}], "fixed": [{"participant", "group"}]}. Ids are texts or integers
and are given back as they came; they are compared by their text, so 7 and "7" are one id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from pollen.domain.jam.roster import Group, Id, Participant, Pin, Roster, Split

_ROOT = ({"groups", "participants"}, {"fixed"})  # required fields, optional fields
_GROUP = ({"id"}, {"theme"})
_PARTICIPANT = ({"id", "kind"}, {"organisation", "preferences", "present"})
_PIN = ({"participant", "group"}, set[str]())


@dataclass(frozen=True, slots=True)
class FieldError:
    """A missing or wrong field, named by its path in the file, e.g. participants[3].kind."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} : {self.message}"


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Reader:
    """Reads the file's values, collecting an error for each bad field instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def fields(
        self, value: object, field: str, shape: tuple[set[str], set[str]]
    ) -> Mapping[str, object] | None:
        required, optional = shape
        if not isinstance(value, dict):
            self.fail(field or "(racine)", f"doit être un objet (reçu : {_shown(value)})")
            return None
        for name in sorted(required - value.keys()):
            self.fail(f"{field}.{name}".lstrip("."), "manque")
        for name in sorted(value.keys() - required - optional):
            known = ", ".join(sorted(required | optional))
            self.fail(f"{field}.{name}".lstrip("."), f"champ inconnu (champs permis : {known})")
        return value

    def ident(self, value: object, field: str) -> Id | None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(field, f"doit être un identifiant, texte ou entier (reçu : {_shown(value)})")
            return None
        if isinstance(value, str) and not value.strip():
            self.fail(field, "est vide")
            return None
        return value

    def sequence(self, data: Mapping[str, object], name: str, field: str) -> list[object]:
        value = data.get(name, [])
        if not isinstance(value, list):
            self.fail(field, f"doit être une liste (reçu : {_shown(value)})")
            return []
        return value

    def reference(self, value: object, field: str, known: Mapping[str, Id], what: str) -> Id | None:
        """The id as first declared, for a reference that may spell it as text or integer."""
        ref = self.ident(value, field)
        if ref is None:
            return None
        if str(ref) not in known:
            self.fail(field, f"{what} inconnu « {ref} »")
            return None
        return known[str(ref)]

    def unique(self, item_id: Id, field: str, seen: dict[str, str]) -> None:
        if str(item_id) in seen:
            self.fail(field, f"« {item_id} » est en double ({seen[str(item_id)]})")
        else:
            seen[str(item_id)] = field


def parse_groups_json(text: str | bytes) -> Roster | list[FieldError]:
    """The roster a JSON text describes, or the errors that make it invalid."""
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [FieldError("(fichier)", f"ce n'est pas du JSON valide ({exc})")]
    return parse_groups_input(data)


def parse_groups_input(data: object) -> Roster | list[FieldError]:
    """The roster the decoded file describes, or every field in error (none are guessed)."""
    reader = _Reader()
    root = reader.fields(data, "", _ROOT)
    if root is None:
        return reader.errors
    groups = _groups(reader, root)
    group_ids = {str(g.id): g.id for g in groups}
    participants = _participants(reader, root, group_ids)
    participant_ids = {str(p.id): p.id for p in participants}
    fixed = _fixed(reader, root, group_ids, participant_ids)
    if reader.errors:
        return reader.errors
    return Roster(tuple(groups), tuple(participants), tuple(fixed))


def _groups(reader: _Reader, root: Mapping[str, object]) -> list[Group]:
    groups, seen = [], dict[str, str]()
    for n, item in enumerate(reader.sequence(root, "groups", "groups")):
        field = f"groups[{n}]"
        data = reader.fields(item, field, _GROUP)
        if data is None or "id" not in data:
            continue
        group_id = reader.ident(data["id"], f"{field}.id")
        theme = data.get("theme")
        if theme is not None and not isinstance(theme, str):
            reader.fail(f"{field}.theme", f"doit être un texte (reçu : {_shown(theme)})")
        if group_id is not None:
            reader.unique(group_id, f"{field}.id", seen)
            groups.append(Group(group_id, theme.strip() if isinstance(theme, str) else ""))
    return groups


def _participants(
    reader: _Reader, root: Mapping[str, object], group_ids: Mapping[str, Id]
) -> list[Participant]:
    participants, seen = [], dict[str, str]()
    for n, item in enumerate(reader.sequence(root, "participants", "participants")):
        field = f"participants[{n}]"
        data = reader.fields(item, field, _PARTICIPANT)
        if data is None:
            continue
        participant_id = reader.ident(data.get("id"), f"{field}.id") if "id" in data else None
        kind = _kind(reader, data, f"{field}.kind")
        organisation = data.get("organisation")
        if organisation is not None and not isinstance(organisation, str):
            reader.fail(
                f"{field}.organisation", f"doit être un texte (reçu : {_shown(organisation)})"
            )
            organisation = None
        present = data.get("present", True)
        if not isinstance(present, bool):
            reader.fail(f"{field}.present", f"doit valoir true ou false (reçu : {_shown(present)})")
        preferences = _preferences(reader, data, f"{field}.preferences", group_ids)
        if participant_id is None or kind is None:
            continue
        reader.unique(participant_id, f"{field}.id", seen)
        participants.append(
            Participant(participant_id, kind, organisation or "", preferences, present is True)
        )
    return participants


def _kind(reader: _Reader, data: Mapping[str, object], field: str) -> str | None:
    if "kind" not in data:
        return None  # already reported as missing
    kind = data["kind"]
    if not isinstance(kind, str):
        reader.fail(field, f"doit être un texte (reçu : {_shown(kind)})")
        return None
    if not kind.strip():
        reader.fail(field, "est vide")
        return None
    return kind


def _preferences(
    reader: _Reader, data: Mapping[str, object], field: str, group_ids: Mapping[str, Id]
) -> tuple[Id, ...]:
    preferences: list[Id] = []
    for n, value in enumerate(reader.sequence(data, "preferences", field)):
        group = reader.reference(value, f"{field}[{n}]", group_ids, "groupe")
        if group in preferences:
            reader.fail(f"{field}[{n}]", f"« {group} » est en double")
        elif group is not None:
            preferences.append(group)
    return tuple(preferences)


def _fixed(
    reader: _Reader,
    root: Mapping[str, object],
    group_ids: Mapping[str, Id],
    participant_ids: Mapping[str, Id],
) -> list[Pin]:
    pins, seen = [], dict[str, str]()
    for n, item in enumerate(reader.sequence(root, "fixed", "fixed")):
        field = f"fixed[{n}]"
        data = reader.fields(item, field, _PIN)
        if data is None or not _PIN[0] <= data.keys():
            continue
        participant = reader.reference(
            data["participant"], f"{field}.participant", participant_ids, "participant"
        )
        group = reader.reference(data["group"], f"{field}.group", group_ids, "groupe")
        if participant is not None and str(participant) in seen:
            reader.fail(
                f"{field}.participant",
                f"« {participant} » est déjà épinglé ({seen[str(participant)]})",
            )
        elif participant is not None and group is not None:
            seen[str(participant)] = field
            pins.append(Pin(participant, group))
    return pins


def split_as_dict(split: Split) -> dict[str, object]:
    """The command's output: every group (ids as JSON keys are texts), pairs, points, optimal."""
    return {
        "groups": {str(g): list(members) for g, members in split.groups.items()},
        "same_organisation_pairs": split.same_organisation_pairs,
        "preference_points": split.preference_points,
        "optimal": split.optimal,
    }
