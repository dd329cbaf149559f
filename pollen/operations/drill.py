"""The backup and restore drill: back up, restore into a fresh copy, verify the copy, time it.

The production database and documents are only read. The copy is a new SQLite file or a new
PostgreSQL database on the same server (`pollen_restore_drill`), and a new documents folder;
`verify_receipts` and `verify_audit` run against it in a separate process, exactly as an
operator would run them after a real restore (docs/operations.md). Documents in a bucket are
not copied: the bucket's versioning and replication are their backup (decision 0013), and the
restored database is checked against the bucket itself, which the drill only reads.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection

from pollen.storage import is_bucket

MANAGE = Path(settings.BASE_DIR) / "manage.py"
CHECKS = ("verify_receipts", "verify_audit")
TARGET = "pollen_restore_drill"
BUCKET_NOTE = (
    "pièces dans un bucket : ni copiées ni restaurées (le versioning et la réplication du "
    "bucket en sont la sauvegarde) ; verify_receipts les relit dans le bucket"
)


class DrillError(RuntimeError):
    """A step of the drill could not run (a tool missing, a refused connection)."""


@dataclass
class Step:
    name: str
    seconds: float
    ok: bool = True
    output: str = ""


@dataclass
class Copy:
    """Where the restored copy lives: a database URL and a documents folder."""

    database_url: str
    media_root: Path | None  # None: the documents stay in the bucket
    vendor: str
    target: str = ""


@dataclass
class DrillResult:
    copy: Copy
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def total(self) -> float:
        return sum(s.seconds for s in self.steps)


@contextmanager
def _timed(steps: list[Step], name: str) -> Iterator[Step]:
    step = Step(name, 0.0)
    started = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = time.perf_counter() - started
        steps.append(step)


def _pg_env(params: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise DrillError(f"{command[0]} introuvable : installez les outils clients.") from exc
    if done.returncode != 0:
        raise DrillError(f"{' '.join(command[:2])} a échoué : {done.stderr.strip()[-2000:]}")
    return done.stdout


def backup_database(folder: Path) -> Path:
    """PostgreSQL: pg_dump's custom format; SQLite: the online backup API (consistent live)."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        target = folder / "database.dump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", params["NAME"]],
            _pg_env(params),
        )
        return target
    if connection.vendor != "sqlite":
        raise DrillError(f"Base non prise en charge : {connection.vendor}.")
    target = folder / "database.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    return target


def backup_documents(folder: Path) -> Path:
    target = folder / "documents"
    source = Path(settings.PRIVATE_MEDIA_ROOT)
    if source.exists():
        shutil.copytree(source, target)
    else:
        target.mkdir()
    return target


def _maintenance(params: dict[str, Any], statements: list[str]) -> None:
    """Run statements on the server's `postgres` database (CREATE/DROP DATABASE need it)."""
    import psycopg  # PostgreSQL only

    dsn = {k.lower(): params[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if params.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
        for statement in statements:
            admin.execute(statement)  # identifiers checked by _identifier()


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise DrillError(f"Nom de base refusé : {name!r}.")
    return f'"{name}"'


def restore_database(dump: Path, folder: Path, target: str = TARGET) -> tuple[str, str]:
    """Into a fresh database; returns its URL and name.

    PostgreSQL: pg_restore into a database created empty for the drill. Its data is loaded
    (COPY, INSERT only) before its triggers are created, and the audit table's guard refuses
    only UPDATE, DELETE and TRUNCATE, so no maintenance switch is needed; `--clean` over an
    existing database would delete audit rows, hence always a fresh database.
    """
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        name = _identifier(target)
        _maintenance(
            params, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"]
        )
        _run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
            _pg_env(params),
        )
        user = quote(str(params.get("USER") or ""), safe="")
        password = quote(str(params.get("PASSWORD") or ""), safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = params.get("HOST") or "localhost"
        port = f":{params['PORT']}" if params.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{target}", target
    restored = folder / "restored.sqlite3"
    shutil.copyfile(dump, restored)
    return f"sqlite:///{restored}", ""


def restore_documents(documents: Path, folder: Path) -> Path:
    target = folder / "restored-documents"
    shutil.copytree(documents, target)
    return target


def documents_in_bucket() -> bool:
    return is_bucket(storages["private"])


def verify(copy: Copy, command: str) -> Step:
    """Run one check against the copy, in its own process with the copy's settings."""
    env = {
        **os.environ,
        "DATABASE_URL": copy.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    if copy.media_root is not None:
        env["POLLEN_MEDIA_ROOT"] = str(copy.media_root)
        env.pop("POLLEN_STORAGE_URL", None)
        env.pop("AWS_STORAGE_BUCKET_NAME", None)
    elif settings.STORAGE_URL:
        env["POLLEN_STORAGE_URL"] = settings.STORAGE_URL
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(MANAGE), command],
        env=env,
        cwd=MANAGE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    return Step(
        command,
        time.perf_counter() - started,
        ok=done.returncode == 0,
        output=(done.stdout + done.stderr).strip(),
    )


def guard_present(copy: Copy) -> Step:
    """PostgreSQL: the restored audit table is still append-only (its triggers came along)."""
    started = time.perf_counter()
    import psycopg

    params = connection.settings_dict
    dsn = {k.lower(): params[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if params.get(k)}
    with psycopg.connect(dbname=copy.target, **dsn) as restored:
        row = restored.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname IN "
            "('audit_auditevent_append_only', 'audit_auditevent_no_truncate')"
        ).fetchone()
    found = row[0] if row else 0
    return Step(
        "garde d'audit",
        time.perf_counter() - started,
        ok=found == 2,
        output=f"{found}/2 déclencheurs",
    )


def discard(copy: Copy) -> None:
    """Drop the restored PostgreSQL database (the files go with the drill's folder)."""
    if copy.vendor == "postgresql" and copy.target:
        _maintenance(
            connection.settings_dict,
            [f"DROP DATABASE IF EXISTS {_identifier(copy.target)} WITH (FORCE)"],
        )


def run_drill(
    folder: Path, *, target: str = TARGET, report: Callable[[Step], None] | None = None
) -> DrillResult:
    """Back up into `folder`, restore into a fresh copy, run the checks there; every step timed."""
    steps: list[Step] = []

    def done(step: Step) -> None:
        if report is not None:
            report(step)

    with _timed(steps, "sauvegarde de la base") as step:
        dump = backup_database(folder)
    done(step)
    in_bucket = documents_in_bucket()
    documents = None
    if in_bucket:
        step = Step("pièces : stockage objet", 0.0, output=BUCKET_NOTE)
        steps.append(step)
        done(step)
    else:
        with _timed(steps, "sauvegarde des pièces") as step:
            documents = backup_documents(folder)
        done(step)
    with _timed(steps, "restauration de la base") as step:
        url, name = restore_database(dump, folder, target)
    done(step)
    media = None
    if documents is not None:
        with _timed(steps, "restauration des pièces") as step:
            media = restore_documents(documents, folder)
        done(step)
    result = DrillResult(Copy(url, media, connection.vendor, name), steps)
    checks = [verify(result.copy, command) for command in CHECKS]
    if connection.vendor == "postgresql":
        checks.append(guard_present(result.copy))
    for check in checks:
        steps.append(check)
        done(check)
    return result
