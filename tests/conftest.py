"""Shared fixtures: the same named personas everywhere, a small territory, the 2013 call."""

import socket
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.utils.functional import empty
from django_otp import DEVICE_ID_SESSION_KEY

from config.storage import private_storage as private_storage_config
from pollen import clock
from pollen.accounts.models import Role, User
from pollen.accounts.second_factor import needs_second_factor
from pollen.applications.models import private_storage
from pollen.calls.models import Call, Programme
from pollen.calls.services import load_call
from pollen.demo.personas import (
    DEMO_PASSWORD,
    PROGRAMME_2013,
    PROGRAMME_BRETAGNE,
    give_demo_device,
)
from pollen.territory.models import Commune, CommuneKind, Departement, Region

ROOT = Path(__file__).resolve().parents[1]
PERSONA_ROLES = {
    "applicant": Role.APPLICANT,
    "applicant_b": Role.APPLICANT,
    "instructor": Role.INSTRUCTOR,
    "expert": Role.EXPERT,
    "committee": Role.COMMITTEE,
    "manager": Role.MANAGER,
    "finance": Role.FINANCE,
    "admin": Role.ADMIN,
}
# Every persona, and "anonymous" for a visitor who is not logged in.
PERSONAS = ["anonymous", *PERSONA_ROLES]
STAFF = {"instructor", "manager", "admin"}


def client_for(client, personas, name):
    """The test client, logged in as that persona (or not at all for "anonymous")."""
    if name != "anonymous":
        client.force_login(personas[name])
    return client


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_audit_trail():
    """Transactional tests empty the database with TRUNCATE, which the audit table refuses on
    PostgreSQL (pollen/audit/migrations/0003) unless the session declares maintenance."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_in_maintenance(self, style, tables, **options):
        statements = sql_flush(self, style, tables, **options)
        # LOCAL: for the flush's own transaction (execute_sql_flush runs it atomically).
        return ["SET LOCAL pollen.audit_maintenance = 'on'", *statements] if statements else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", flush_in_maintenance)
        yield


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_by_the_database_worker():
    """With POLLEN_TASKS=database, every task goes through django-tasks-db's table and worker
    (tests/real_tasks.py); with the default immediate backend, nothing to do."""
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        yield None
        return
    from tests.real_tasks import CommitsForTests, InProcessWorker

    worker, commits = InProcessWorker(), CommitsForTests()
    worker.connect()
    commits.connect()
    yield worker
    commits.disconnect()
    worker.disconnect()


@pytest.fixture
def no_worker_in_process(_tasks_run_by_the_database_worker):
    """For a test that runs `db_worker` itself: the tasks wait in their table, as they do for a
    real worker."""
    worker = _tasks_run_by_the_database_worker
    if worker is not None:
        worker.disconnect()
    yield
    if worker is not None:
        worker.connect()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never leave the machine: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"localhost", "::1"} or "/" in host
        ):
            raise RuntimeError(f"network access blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "documents"
    if settings.STORAGE_URL:
        # Documents in a bucket (CI's PostgreSQL pass): each test under a prefix of its own, as
        # each has its own folder, so that names reused by a rolled-back database never meet.
        separator = "&" if "?" in settings.STORAGE_URL else "?"
        settings.STORAGE_URL += f"{separator}location=tests/{uuid.uuid4().hex}"
        settings.STORAGES = {
            **settings.STORAGES,
            "private": private_storage_config(settings.STORAGE_URL, {}),
        }
    private_storage._wrapped = empty
    yield
    private_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """force_login stands for a whole sign-in: the password and, for staff, the code (with the
    demo's device). The second factor stays on in every test; tests/accounts/test_second_factor.py
    signs in through the pages."""
    real_force_login = Client.force_login

    def force_login(self, user, backend=None):
        real_force_login(self, user, backend)
        if needs_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = give_demo_device(user).persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fresh_jam_fragments():
    """A jam group's shared render is kept per process by (group, revision): each test's
    database starts its revisions again (the browser tests' live server runs in this process)."""
    from pollen.jam import fragments

    fragments.forget()
    yield
    fragments.forget()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_map_tiles(settings):
    """The browser never fetches IGN's tiles in a test: the maps stay SVG unless a test sets
    a tile URL it answers itself (tests/places/test_web_maps.py)."""
    settings.POLLEN_MAP_TILES_URL = ""


@pytest.fixture
def territory(db):
    """A few real communes; Paris both as a commune and as its first arrondissement."""
    for code, name in (("53", "Bretagne"), ("11", "Île-de-France"), ("84", "Auvergne-Rhône-Alpes")):
        Region.objects.create(code=code, name=name)
    for code, name, region in (
        ("35", "Ille-et-Vilaine", "53"),
        ("29", "Finistère", "53"),
        ("75", "Paris", "11"),
        ("69", "Rhône", "84"),
    ):
        Departement.objects.create(code=code, name=name, region_id=region)
    rows = [
        ("35238", "Rennes", "35", "53", 227830, 48.1116, -1.6803, "35000 35200 35700"),
        ("29019", "Brest", "29", "53", 139619, 48.4084, -4.5015, "29200"),
        ("29232", "Quimper", "29", "53", 63513, 47.9961, -4.1025, "29000"),
        ("75056", "Paris", "75", "11", 2133111, 48.8589, 2.3469, "75001 75002"),
        ("69123", "Lyon", "69", "84", 522250, 45.7580, 4.8351, "69001 69002"),
    ]
    for code, name, dep, region, pop, lat, lon, postal in rows:
        Commune.objects.create(
            code=code,
            name=name,
            search_name=name.lower(),
            zone="metro",
            departement_id=dep,
            region_id=region,
            population=pop,
            latitude=lat,
            longitude=lon,
            postal_codes=postal,
        )
    Commune.objects.create(
        code="75101",
        name="Paris 1er Arrondissement",
        search_name="paris 1er arrondissement",
        kind=CommuneKind.ARRONDISSEMENT,
        departement_id="75",
        region_id="11",
        parent_id="75056",
        population=15917,
        latitude=48.8626,
        longitude=2.3363,
        postal_codes="75001",
    )


def programme(slug: str) -> Programme:
    """A call file's programme, before or after the call is loaded (load_call updates it)."""
    names = {PROGRAMME_2013: "Plan fablabs et économie collaborative"}
    found, _created = Programme.objects.get_or_create(
        slug=slug, defaults={"name": names.get(slug, slug), "envelope": "1000000.00"}
    )
    return found


def load_call_file(name: str) -> Call:
    text = (ROOT / "calls" / name).read_text(encoding="utf-8")
    return load_call(text=text, source_path=f"calls/{name}").call


def staff_of(slug: str, user: User) -> User:
    """The user, in that programme's team."""
    user.programmes.add(programme(slug))
    return user


@pytest.fixture
def call_2013(territory) -> Call:
    return load_call_file("fablabs-2013.toml")


@pytest.fixture
def personas(db) -> dict[str, User]:
    """One account per role; the staff (but the platform-wide administrator) work for the
    2013 call's programme."""
    users = {}
    for name, role in PERSONA_ROLES.items():
        email = f"{name.replace('_', '-')}@test.example"
        if role == Role.ADMIN:
            users[name] = User.objects.create_superuser(email, DEMO_PASSWORD, full_name=name)
        else:
            users[name] = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, role=role)
        if role not in (Role.APPLICANT, Role.ADMIN):
            staff_of(PROGRAMME_2013, users[name])
        if role != Role.APPLICANT:
            give_demo_device(users[name])  # the demo's TOTP key: tests compute its codes
    return users


OTHER_ROLES = {
    "instructor_b": Role.INSTRUCTOR,
    "expert_b": Role.EXPERT,
    "committee_b": Role.COMMITTEE,
    "manager_b": Role.MANAGER,
    "finance_b": Role.FINANCE,
}


@pytest.fixture
def other_programme(territory, personas) -> dict[str, object]:
    """The Région Bretagne's programme, its call, and its own staff (none of the 2013 one's)."""
    call = load_call_file("bretagne-tiers-lieux-2026.toml")
    staff = {}
    for name, role in OTHER_ROLES.items():
        user = User.objects.create_user(
            f"{name.replace('_', '-')}@test.example", DEMO_PASSWORD, full_name=name, role=role
        )
        staff[name] = staff_of(PROGRAMME_BRETAGNE, user)
        give_demo_device(user)
    personas.update(staff)
    return {"call": call, "programme": call.programme, "staff": staff}


@pytest.fixture
def one_window():
    """The clock stands still in the middle of a minute, so a test's requests share one window.

    Rate limits count in fixed windows (a minute, an hour): a test running across a window's
    end would otherwise see its count start again.
    """
    now = clock.now().replace(second=30, microsecond=0)
    with clock.override(now):
        yield now
