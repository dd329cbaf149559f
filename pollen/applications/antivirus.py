"""ClamAV: clamd scans every upload (INSTREAM) before it is accepted; a silent scanner refuses."""

import logging
import socket
import struct
import time
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

logger = logging.getLogger("pollen.uploads")

# clamd reads INSTREAM in chunks of at most its StreamMaxLength; 64 KiB keeps the calls few.
CHUNK = 64 * 1024
MAX_REPLY = 4096


class ScannerUnavailable(Exception):
    """clamd is configured but did not answer (down, timed out, or answered an error)."""


def address_of(url: str) -> tuple[int, str | tuple[str, int]]:
    """The socket family and address of "unix:///path/clamd.ctl" or "tcp://host:port"."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path and not parts.netloc:
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname and parts.port and not parts.path.strip("/"):
        return socket.AF_INET, (parts.hostname, parts.port)
    raise ValueError(url)


def is_configured() -> bool:
    return bool(settings.POLLEN_CLAMAV)


def _connect(url: str, timeout: float) -> socket.socket:
    family, address = address_of(url)
    if family == socket.AF_INET:
        assert isinstance(address, tuple)
        return socket.create_connection(address, timeout=timeout)  # IPv6 too
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def instream(url: str, stream: IO[bytes], timeout: float) -> str:
    """clamd's reply to INSTREAM ("stream: OK", "stream: <name> FOUND", "<why> ERROR").

    The timeout bounds the whole exchange, not each call: a clamd that trickles is down too."""
    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("clamd took longer than POLLEN_CLAMAV_TIMEOUT")
        return remaining

    with _connect(url, timeout) as sock:
        sock.sendall(b"zINSTREAM\0")
        while chunk := stream.read(CHUNK):
            sock.settimeout(left())
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
            sock.settimeout(left())
            received = sock.recv(MAX_REPLY)
            if not received:
                break
            reply += received
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan(stream: IO[bytes]) -> str | None:
    """The signature clamd found in the stream, or None; ScannerUnavailable when it cannot tell."""
    stream.seek(0)
    try:
        reply = instream(settings.POLLEN_CLAMAV, stream, settings.POLLEN_CLAMAV_TIMEOUT)
    except OSError as exc:  # refused, missing socket, reset, timeout
        logger.error("antivirus unavailable: %s %s", type(exc).__name__, exc)
        raise ScannerUnavailable from exc
    finally:
        stream.seek(0)
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return reply.removeprefix("stream: ").removesuffix(" FOUND") or "?"
    logger.error("antivirus error: %s", reply or "no reply")
    raise ScannerUnavailable(reply)


def check_setting(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """POLLEN_CLAMAV, when set, must be a URL the client understands."""
    if not settings.POLLEN_CLAMAV:
        return []
    try:
        address_of(settings.POLLEN_CLAMAV)
    except ValueError:
        return [
            checks.Error(
                f"POLLEN_CLAMAV={settings.POLLEN_CLAMAV!r} is not a clamd address.",
                hint='Use "unix:///run/clamav/clamd.ctl" or "tcp://127.0.0.1:3310".',
                id="applications.E001",
            )
        ]
    return []


def check_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production every upload is scanned: no scanner is a deployment warning."""
    if settings.POLLEN_CLAMAV:
        return []
    return [
        checks.Warning(
            "No antivirus is configured: uploaded documents are not scanned.",
            hint="Set POLLEN_CLAMAV to clamd's socket (docs/configuration.md).",
            id="applications.W001",
        )
    ]
