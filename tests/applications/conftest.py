"""The applicant's client, a moment inside the call, and a real clamd of the tests' own."""

import datetime as dt
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from pollen import clock
from tests.applications.samples import EICAR
from tests.builders import organisation_for


@pytest.fixture
def applicant_client(client, call_2013, personas):
    organisation_for(personas["applicant"])
    client.force_login(personas["applicant"])
    return client


@pytest.fixture
def during_call(call_2013):
    with clock.override(call_2013.closes_at - dt.timedelta(days=3)):
        yield


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory) -> Path:
    """clamd in the foreground, on a socket in a temporary folder, knowing one signature: EICAR's.

    freshclam cannot reach its mirrors from CI, and the tests need nothing else: an .ndb body
    signature matches the test string wherever it is (inside a PDF, inside a zip's member)."""
    binary = shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if Path(p).exists()), None
    )
    if binary is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon; .ci/run does it)")
    folder = tmp_path_factory.mktemp("clamd")
    (folder / "db").mkdir()
    (folder / "db" / "pollen-tests.ndb").write_text(
        f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n", encoding="ascii"
    )
    socket_path = folder / "clamd.sock"
    config = folder / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"LocalSocket {socket_path}",
                f"DatabaseDirectory {folder / 'db'}",
                f"LogFile {folder / 'clamd.log'}",
                f"TemporaryDirectory {folder}",
                "StreamMaxLength 40M",
                "",
            ]
        ),
        encoding="ascii",
    )
    process = subprocess.Popen(
        [binary, f"--config-file={config}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_pong(process, socket_path, folder / "clamd.log")
        yield socket_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_pong(process: subprocess.Popen, socket_path: Path, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"clamd stopped at start (exit {process.returncode}):\n{text}")
        if socket_path.exists():
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(2)
                    sock.connect(str(socket_path))
                    sock.sendall(b"zPING\0")
                    if sock.recv(16) == b"PONG\0":
                        return
            except OSError:
                pass
        time.sleep(0.1)
    pytest.fail("clamd did not answer PING within 60 s")


@pytest.fixture
def clamav(settings, clamd_socket):
    """Uploads are scanned by the tests' clamd."""
    settings.POLLEN_CLAMAV = f"unix://{clamd_socket}"
    settings.POLLEN_CLAMAV_TIMEOUT = 10.0
    return clamd_socket
