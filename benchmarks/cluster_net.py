"""Loopback network pieces of the cluster benchmark, each run as its own process.

- `lb`: a TCP load balancer in front of the web nodes: each client connection goes to the live
  backend with the fewest connections open (ties in turn), as HAProxy's `balance leastconn`
  does (docs/deployment.md: with sync workers, round robin queues a request behind a busy
  node while the other idles); a backend is live while `GET /healthz` answers 200 (checked every
  HEALTH_INTERVAL_S) and is skipped at once when a connection to it is refused. It proxies bytes,
  so a node killed during a request resets that client's connection, as HAProxy in TCP mode would.
- `smtp`: an SMTP sink that accepts every mail and appends one JSON line per message received
  (Message-ID, recipient) to a file: the count of duplicates is read from it.
- `hooks`: a webhook receiver that answers 200 and appends one JSON line per delivery received
  (event id, delivery id) to a file.

Nothing here leaves the loopback interface. Usage:
    python benchmarks/cluster_net.py lb --listen 127.0.0.1:8800 --backend 127.0.0.2:8801 ...
    python benchmarks/cluster_net.py smtp --listen 127.0.0.1:2525 --out mails.jsonl
    python benchmarks/cluster_net.py hooks --listen 127.0.0.1:8899 --out hooks.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import itertools
import json
import signal
import sys
from pathlib import Path
from typing import IO

HEALTH_INTERVAL_S = 0.5
CONNECT_TIMEOUT_S = 2.0


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


# --------------------------------------------------------------------------- load balancer


class Balancer:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self.alive = dict.fromkeys(backends, True)
        self.open = dict.fromkeys(backends, 0)
        self._turn = itertools.cycle(range(len(backends)))

    def _candidates(self) -> list[tuple[str, int]]:
        """Every backend once: the live ones first, fewest connections open first, ties in turn."""
        start = next(self._turn)
        ring = self.backends[start:] + self.backends[:start]
        live = sorted((b for b in ring if self.alive[b]), key=self.open.__getitem__)
        return live + [b for b in ring if not self.alive[b]]

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        for backend in self._candidates():
            try:
                backend_r, backend_w = await asyncio.wait_for(
                    asyncio.open_connection(*backend), CONNECT_TIMEOUT_S
                )
            except (OSError, TimeoutError):
                self.alive[backend] = False  # refused: skipped until /healthz answers again
                continue
            break
        else:
            client_w.close()
            return
        self.open[backend] += 1
        try:
            await asyncio.gather(
                _pipe(client_r, backend_w), _pipe(backend_r, client_w), return_exceptions=True
            )
        finally:
            self.open[backend] -= 1

    async def health(self) -> None:
        while True:
            for backend in self.backends:
                self.alive[backend] = await _healthy(backend)
            await asyncio.sleep(HEALTH_INTERVAL_S)


async def _healthy(backend: tuple[str, int]) -> bool:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(*backend), CONNECT_TIMEOUT_S
        )
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), CONNECT_TIMEOUT_S)
        return status.split(b" ")[1:2] == [b"200"]
    except (OSError, TimeoutError, IndexError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run_lb(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.handle, *listen, backlog=1024)
    async with server:
        await asyncio.gather(server.serve_forever(), balancer.health())


# --------------------------------------------------------------------------- SMTP sink


def _record(out: IO[str], entry: dict[str, str]) -> None:
    out.write(json.dumps(entry) + "\n")
    out.flush()


async def _smtp_session(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, out: IO[str]
) -> None:
    def say(line: str) -> None:
        writer.write(line.encode("ascii") + b"\r\n")

    say("220 sink.pollen.test ESMTP")
    recipients: list[str] = []
    try:
        while line := await reader.readline():
            verb = line[:4].decode("ascii", "replace").upper()
            if verb in ("EHLO", "HELO"):
                say("250-sink.pollen.test\r\n250-8BITMIME\r\n250 SMTPUTF8")
            elif verb == "MAIL":
                recipients = []
                say("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode("utf-8", "replace").split(":", 1)[1].strip(" <>\r\n"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := await reader.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                for to in recipients:
                    _record(out, {"message_id": str(message["Message-ID"] or ""), "to": to})
                say("250 OK queued")
            elif verb == "QUIT":
                say("221 Bye")
                break
            else:  # RSET, NOOP…
                say("250 OK")
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


# --------------------------------------------------------------------------- webhook receiver


async def _hook_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, out: IO[str]
) -> None:
    try:
        if not await reader.readline():  # POST / HTTP/1.1; nothing: a port probe
            return
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        event = json.loads(body or b"{}")
        entry = {"event_id": event.get("id", ""), "delivery": headers.get("x-pollen-delivery", "")}
        _record(out, entry)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
    except (OSError, ValueError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def run_sink(kind: str, listen: tuple[str, int], path: Path) -> None:
    with path.open("a", encoding="utf-8") as out:
        handler = _smtp_session if kind == "smtp" else _hook_request

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await handler(reader, writer, out)

        server = await asyncio.start_server(handle, *listen, backlog=1024)
        async with server:
            await server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("lb", "smtp", "hooks"))
    parser.add_argument("--listen", required=True, help="HOST:PORT")
    parser.add_argument("--backend", action="append", default=[], help="HOST:PORT (lb)")
    parser.add_argument("--out", type=Path, help="JSON lines file (smtp, hooks)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listen = _address(args.listen)
    if args.kind == "lb":
        asyncio.run(run_lb(listen, [_address(b) for b in args.backend]))
    else:
        asyncio.run(run_sink(args.kind, listen, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
