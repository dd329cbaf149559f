"""The Containerfile, played without a container engine (none runs on these machines, and no
base image can be pulled): its instructions are read from the file and carried out in a
temporary root, so that what it copies, installs and runs is what is tested.

- COPY copies from the repository into the image's WORKDIR (a folder under the root);
- `RUN pip install` installs into a fresh virtual environment with uv, offline, from the
  packages `make install` has already fetched (tests never touch the network): only the
  runtime set the file names, no test or benchmark tool;
- every other RUN command runs in that environment, except `useradd` (it would create a system
  user on this machine; USER is not switched to);
- CMD serves the image under the documented production variables (deploy/pollen.env.example,
  with a SQLite database and local documents in place of PostgreSQL and the bucket), and the
  HEALTHCHECK's own command is run against it, then a page, as a load balancer and a visitor
  would ask for them.

What this cannot show: that the base image (FROM) has the Python version named there (the
virtual environment uses this suite's interpreter) and that the files belong to the image's
user.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
UV = Path(sys.executable).with_name("uv")

pytestmark = pytest.mark.skipif(not UV.exists(), reason="uv (installed by make install) is needed")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        steps.append((keyword.upper(), rest.strip()))
    return steps


@dataclass
class Image:
    """The image's file system under `root`, its environment and what it would run."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: Path = Path("/")
    exposed: str = ""
    cmd: list[str] = field(default_factory=list)
    healthcheck: str = ""
    skipped: list[str] = field(default_factory=list)

    def path(self, image_path: str | Path) -> Path:
        """A path of the image as a path under the root."""
        image_path = Path(image_path)
        if not image_path.is_absolute():
            image_path = self.workdir / image_path
        return self.root / str(image_path).lstrip("/")

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    def process_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The image's ENV, its absolute paths moved under the root, the venv first on PATH."""
        env = {
            key: str(self.path(value)) if value.startswith("/") else value
            for key, value in self.env.items()
        }
        base = {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
        }
        return {**base, **env, **(extra or {})}

    def copy(self, arguments: str) -> None:
        *sources, destination = shlex.split(arguments)
        for source in sources:
            origin = ROOT / source
            assert origin.exists(), f"COPY {source}: absent from the repository"
            target = self.path(destination)
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                if destination.endswith("/") or destination in {".", "./"}:
                    target = target / origin.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)

    def run(self, command: str) -> None:
        for part in (p.strip() for p in command.split("&&")):
            words = shlex.split(part)
            if words[:2] == ["pip", "install"]:
                self.pip_install([w for w in words[2:] if w != "--no-cache-dir"])
            elif words[0] == "useradd":
                self.skipped.append(part)
            else:
                done = subprocess.run(
                    ["bash", "-c", part],
                    cwd=self.path("."),
                    env=self.process_env(),
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
                assert done.returncode == 0, f"RUN {part}\n{done.stdout}\n{done.stderr}"

    def pip_install(self, arguments: list[str]) -> None:
        if not self.venv.exists():
            made = subprocess.run(
                [str(UV), "venv", "-q", "--python", sys.executable, str(self.venv)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert made.returncode == 0, made.stderr
        done = subprocess.run(
            [
                str(UV),
                "pip",
                "install",
                "-q",
                "--offline",
                "--python",
                str(self.venv / "bin" / "python"),
                *arguments,
            ],
            cwd=self.path("."),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"pip install {' '.join(arguments)}\n{done.stderr}"


def build(root: Path) -> Image:
    image = Image(root=root)
    for keyword, arguments in instructions(CONTAINERFILE.read_text(encoding="utf-8")):
        if keyword in {"FROM", "USER"}:
            continue  # the base image and the image's user are not played (module docstring)
        elif keyword == "ENV":
            for pair in shlex.split(arguments):
                key, _, value = pair.partition("=")
                image.env[key] = value
        elif keyword == "WORKDIR":
            image.workdir = Path(arguments)
            image.path(".").mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            image.copy(arguments)
        elif keyword == "RUN":
            image.run(arguments)
        elif keyword == "EXPOSE":
            image.exposed = arguments
        elif keyword == "HEALTHCHECK":
            image.healthcheck = arguments.split(" CMD ", 1)[1]
        elif keyword == "CMD":
            image.cmd = json.loads(arguments)
        else:
            raise AssertionError(f"{keyword}: an instruction this test does not play")
    return image


def production_env(image: Image) -> dict[str, str]:
    """deploy/pollen.env.example as written, but for a database and documents on this machine."""
    documented: dict[str, str] = {}
    for line in (ROOT / "deploy" / "pollen.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            documented[key.strip()] = value.strip()
    documented.pop("POLLEN_STORAGE_URL")  # the bucket: documents in POLLEN_VAR_DIR instead
    documented.pop("POLLEN_CLAMAV")  # no clamd here: uploads are not exercised
    documented.update(
        {
            "SECRET_KEY": "x" * 20 + "-containerfile-test-" + "y" * 20,
            "DATABASE_URL": f"sqlite:///{image.root / 'pollen.sqlite3'}",
            "POLLEN_SITE_URL": "https://pollen.example.fr",
        }
    )
    return image.process_env(documented)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, **headers: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    return build(tmp_path_factory.mktemp("image"))


def test_the_file_is_read_whole():
    """The parser meets every instruction: one it skipped would not be tested."""
    keywords = [k for k, _ in instructions(CONTAINERFILE.read_text(encoding="utf-8"))]
    assert keywords[0] == "FROM" and keywords[-1] == "CMD"
    assert {"COPY", "RUN", "ENV", "WORKDIR", "HEALTHCHECK"} <= set(keywords)


def test_the_image_installs_the_runtime_set_only(image):
    installed = subprocess.run(
        [str(UV), "pip", "freeze", "--python", str(image.venv / "bin" / "python")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    assert "django==" in installed and "gunicorn==" in installed
    for tool in ("pytest", "playwright", "hypothesis", "mypy", "ruff", "ortools", "granian"):
        assert not re.search(rf"^{tool}==", installed, re.MULTILINE), tool
    assert image.skipped == ["useradd --system --home /var/lib/pollen --create-home pollen"]
    assert (image.path(image.env["POLLEN_STATIC_ROOT"]) / "pollen" / "pollen.css").is_file()


def test_the_image_serves_under_the_production_variables(image):
    port = free_port()
    env = production_env(image)
    python = str(image.venv / "bin" / "python")
    migrated = subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=image.path("."),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    command = [w.replace(f"0.0.0.0:{image.exposed}", f"127.0.0.1:{port}") for w in image.cmd]
    log = image.root / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=image.path("."), env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        # As the engine does within the HEALTHCHECK's start period: wait until a worker has
        # booted and answers (under load, importing the app takes seconds).
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        # The image's HEALTHCHECK, as the container engine runs it (inside, on its own port).
        probe = shlex.split(image.healthcheck.replace(f":{image.exposed}/", f":{port}/"))
        checked = subprocess.run(
            [python if probe[0] == "python" else probe[0], *probe[1:]],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr + log.read_text()
        # A load balancer's readiness probe, by address and over plain HTTP.
        status, body = get(port, "/readyz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"
        # A visitor, through the TLS-terminating proxy the variables declare.
        status, body = get(port, "/", Host="pollen.example.fr", **{"X-Forwarded-Proto": "https"})
        assert status == 200, body[:500]
        assert "Pollen" in body
        # Static files are served by the proxy from the folder collected at build time.
        stylesheets = re.findall(r'href="/static/([^"?]+\.css)', body)
        assert stylesheets, "no stylesheet on the home page"
        for name in stylesheets:
            assert (image.path(image.env["POLLEN_STATIC_ROOT"]) / name).is_file(), name
    finally:
        server.terminate()
        server.wait(timeout=30)
