"""Copy the documents of a local folder into the configured storage, each read back and checked.

Resumable: an object already there with the same SHA-256 is skipped, so a second run copies
nothing. An object there with other content is never replaced (a receipt may vouch for either):
it is reported, as is a copy that does not read back identical.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage

from pollen.storage import CHUNK, sha256_of, storage_errors


@dataclass
class Outcome:
    copied: int = 0
    present: int = 0
    mismatches: list[str] = field(default_factory=list)


def files_under(root: Path) -> Iterator[tuple[str, Path]]:
    """(storage name, path) for every file below root; names use "/" whatever the system."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_one(storage: Storage, name: str, path: Path, outcome: Outcome) -> str:
    """Copy one file unless it is already there; returns what happened, for the report."""
    expected = file_sha256(path)
    try:
        there = sha256_of(storage, name)
    except FileNotFoundError:
        there = None
    if there == expected:
        outcome.present += 1
        return "déjà présent"
    if there is not None:
        outcome.mismatches.append(name)
        return "ÉCART : un autre contenu porte déjà ce nom (laissé tel quel)"
    with storage_errors(), path.open("rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name or sha256_of(storage, name) != expected:
        outcome.mismatches.append(name)
        return f"ÉCART : la copie relue ne correspond pas ({saved})"
    outcome.copied += 1
    return "copié et vérifié"


def copy_folder(
    root: Path, storage: Storage, report: Callable[[str, str], None] | None = None
) -> Outcome:
    outcome = Outcome()
    for name, path in files_under(root):
        said = copy_one(storage, name, path, outcome)
        if report is not None:
            report(name, said)
    return outcome
