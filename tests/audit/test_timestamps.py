"""RFC 3161 time-stamps of the chain's head, against a local time-stamping authority run by
OpenSSL (`openssl ts -reply`) with its own test CA: nothing leaves the machine."""

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from pollen.audit.models import AuditEvent, AuditTimestamp
from tests.audit.helpers import forged, recorded

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]

TSA_CONFIG = """
[ tsa ]
default_tsa = local
[ local ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_authority(folder: Path) -> Path:
    """A CA and a time-stamping certificate signed by it (EC keys: quick to make)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=CA de test",
         "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign", cwd=folder)  # fmt: skip
    _run("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Horodatage de test",
         cwd=folder)  # fmt: skip
    (folder / "tsa.ext").write_text(
        "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
    )
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "tsa.crt", "-days", "2", "-extfile", "tsa.ext", cwd=folder)  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CONFIG.format(dir=folder))
    return folder / "ca.crt"


@pytest.fixture
def tsa(tmp_path, settings):
    """A TSA on 127.0.0.1 answering RFC 3161 POSTs; `mode` switches it to garbage or refusal."""
    folder = tmp_path / "tsa"
    folder.mkdir()
    ca = make_authority(folder)
    state = {"mode": "good", "requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state["requests"] += 1
            query = self.rfile.read(int(self.headers["Content-Length"]))
            if state["mode"] == "garbage":
                body = b"not a token"
            else:
                (folder / "query.tsq").write_bytes(query)
                reply = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(folder / "tsa.cnf"),
                     "-queryfile", "query.tsq", "-signer", "tsa.crt", "-inkey", "tsa.key",
                     "-chain", "ca.crt"],
                    cwd=folder, capture_output=True, check=True,
                )  # fmt: skip
                body = reply.stdout
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.POLLEN_TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    settings.POLLEN_TSA_CA_FILE = str(ca)
    yield state
    server.shutdown()
    server.server_close()


def command(name: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(name, stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_the_head_is_stamped_once_and_verify_audit_checks_the_token(tsa, personas):
    recorded(personas["manager"], personas["applicant"], count=4)
    code, out = command("timestamp_audit")
    assert code == 0 and "Chaîne d'audit horodatée jusqu'à l'événement" in out
    stamp = AuditTimestamp.objects.get()
    head = AuditEvent.objects.filter(chain__isnull=False).order_by("-id").first()
    assert stamp.event_id == head.pk and stamp.chain == head.chain
    assert AuditEvent.objects.order_by("-id").first().action == "audit.timestamped"
    assert AuditEvent.objects.filter(action="audit.timestamped").count() == 1

    code, out = command("verify_audit")
    assert code == 0 and "1 horodatage(s) RFC 3161 vérifié(s)" in out

    # Nothing new but the stamp's own event: the next run stamps that one, not the same head.
    command("timestamp_audit")
    assert AuditTimestamp.objects.count() == 2 and tsa["requests"] == 2


def test_a_rewritten_trail_no_longer_matches_its_time_stamp(tsa, personas):
    events = recorded(personas["manager"], personas["applicant"], count=3)
    assert command("timestamp_audit")[0] == 0
    stamped = AuditTimestamp.objects.get()
    # Someone rewrites an early event and re-seals everything after it, consistently: the
    # chain checks out again, but its head is no longer the one the TSA signed.
    forged(events[0], note="réécrit")
    forged_rows = AuditEvent.objects.filter(pk__gte=events[0].pk)
    forged(events[0], chain=None)
    for row in forged_rows.exclude(pk=events[0].pk):
        forged(row, chain=None)
    code, out = command("verify_audit")
    assert code == 1
    assert f"Horodatage de l'événement {stamped.event_id} invalide" in out


def test_a_token_from_another_authority_is_refused(tsa, personas, tmp_path, settings):
    recorded(personas["manager"], personas["applicant"], count=2)
    assert command("timestamp_audit")[0] == 0
    other = tmp_path / "other"
    other.mkdir()
    settings.POLLEN_TSA_CA_FILE = str(make_authority(other))
    code, out = command("verify_audit")
    assert code == 1 and "invalide" in out


def test_an_unreachable_or_confused_authority_stores_nothing(tsa, personas, settings):
    recorded(personas["manager"], personas["applicant"], count=2)
    tsa["mode"] = "garbage"
    code, out = command("timestamp_audit")
    assert code == 1 and "Horodatage impossible" in out
    settings.POLLEN_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens on the discard port
    code, out = command("timestamp_audit")
    assert code == 1 and "TSA injoignable" in out
    assert not AuditTimestamp.objects.exists()


def test_without_an_authority_configured_it_says_so_and_does_nothing(db, settings):
    settings.POLLEN_TSA_URL = ""
    code, out = command("timestamp_audit")
    assert code == 0 and "Aucune autorité d'horodatage configurée" in out
