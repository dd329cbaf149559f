"""RFC 3161 time-stamps of the audit chain's head, by an outside authority (a TSA).

The chain's last link is a SHA-256 that vouches for every event before it; a time-stamp token
on it, signed by a TSA, proves that the whole trail up to that event existed at that moment.
Nobody holding the database alone can then rewrite the trail and date it earlier.

The RFC 3161 messages are built, read and verified by the `openssl ts` command (OpenSSL 3, on
every Debian host): the Python libraries for it (rfc3161ng, asn1crypto's tsp) have had no
release for years, and OpenSSL is the implementation the TSAs themselves test against. The
HTTP exchange is a plain POST (RFC 3161 §3.4).
"""

import datetime as dt
import re
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(RuntimeError):
    """The TSA could not be reached, refused, or answered something that is not a valid token."""


def _openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", "ts", *args], input=stdin, capture_output=True, timeout=30, check=False
    )


def build_query(digest_hex: str) -> bytes:
    """A TimeStampReq for this SHA-256, asking for the TSA's certificate in the reply."""
    done = _openssl("-query", "-digest", digest_hex, "-sha256", "-cert")
    if done.returncode != 0:
        raise TimestampError(done.stderr.decode(errors="replace").strip())
    return done.stdout


def request_token(digest_hex: str, url: str, *, timeout: float = 20.0) -> bytes:
    """Ask the TSA at `url` to time-stamp this SHA-256; returns its reply (DER)."""
    request = urllib.request.Request(  # noqa: S310 - the operator's configured TSA URL
        url,
        data=build_query(digest_hex),
        headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body: bytes = response.read()
    except OSError as exc:
        raise TimestampError(f"TSA injoignable ({url}) : {exc}") from exc
    reply_time(body)  # raises unless the reply is a granted token
    return body


_TIME = re.compile(rb"^Time stamp: (.+)$", re.MULTILINE)
_STATUS = re.compile(rb"^Status: (.+)$", re.MULTILINE)


def reply_time(reply: bytes) -> dt.datetime:
    """The moment the TSA vouches for, read from its reply; TimestampError if not granted."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reply.tsr"
        path.write_bytes(reply)
        done = _openssl("-reply", "-in", str(path), "-text")
    status = _STATUS.search(done.stdout)
    if done.returncode != 0 or not status or not status.group(1).startswith(b"Granted"):
        raise TimestampError("la réponse de l'autorité d'horodatage n'accorde pas de jeton")
    moment = _TIME.search(done.stdout)
    if not moment:
        raise TimestampError("la réponse de l'autorité d'horodatage n'a pas de date")
    # "Dec  5 23:30:01.5 2026 GMT": OpenSSL writes the time in UTC, sometimes with a fraction.
    text = re.sub(r"\.\d+", "", moment.group(1).decode()).replace(" GMT", " +0000")
    return dt.datetime.strptime(text, "%b %d %H:%M:%S %Y %z")


@dataclass(frozen=True)
class TokenCheck:
    valid: bool
    detail: str = ""


def verify_token(reply: bytes, digest_hex: str, ca_file: str) -> TokenCheck:
    """The token is signed by a TSA that `ca_file` trusts and covers exactly this SHA-256."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reply.tsr"
        path.write_bytes(reply)
        done = _openssl("-verify", "-digest", digest_hex, "-in", str(path), "-CAfile", ca_file)
    output = (done.stdout + done.stderr).decode(errors="replace")
    if done.returncode == 0 and "Verification: OK" in output:
        return TokenCheck(True)
    return TokenCheck(False, output.strip().splitlines()[-1] if output.strip() else "")
