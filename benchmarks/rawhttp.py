"""A minimal keep-alive HTTP/1.1 client for load generation.

The deadline rush runs its clients on the machine that serves the requests, so every millisecond
the generator spends per request is taken from the server. httpx costs about 2.5 ms of CPU per
POST here; this client writes one pre-formatted request and parses the status line, the headers
and a Content-Length or chunked body, which is all a form POST answered by a redirect needs.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass
class Response:
    status_code: int
    header_lines: list[tuple[str, str]]
    body: bytes

    @property
    def headers(self) -> Response:  # the httpx-like spelling used by the callers
        return self

    def get(self, name: str, default: str = "") -> str:
        values = self.get_list(name)
        return values[0] if values else default

    def get_list(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.header_lines if k == name]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Connection:
    """One TCP connection to host:port, reopened when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.opened = 0  # connections opened so far (a server closing keep-alive shows here)

    async def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> Response:
        body = urlencode(form).encode("ascii")
        head = "".join(
            [
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n",
                "Content-Type: application/x-www-form-urlencoded\r\n",
                f"Content-Length: {len(body)}\r\n",
                *(f"{k}: {v}\r\n" for k, v in headers.items()),
                "\r\n",
            ]
        )
        return await asyncio.wait_for(self._exchange(head.encode("latin-1") + body), self.timeout)

    async def _exchange(self, request: bytes) -> Response:
        reused = self._writer is not None
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        self._writer.write(request)
        status = await self._reader.readline()
        if not status and reused:
            # The server closed the idle connection before reading this request: send it again.
            await self.close()
            return await self._exchange(request)
        if not status:
            raise ConnectionResetError("connexion fermée par le serveur sans réponse")
        code = int(status.split(b" ", 2)[1])
        lines: list[tuple[str, str]] = []
        while (line := await self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            lines.append((name.strip().lower(), value.strip()))
        response = Response(code, lines, await self._read_body(response_headers=lines))
        if response.get("connection").lower() == "close":
            await self.close()
        return response

    async def _read_body(self, response_headers: list[tuple[str, str]]) -> bytes:
        assert self._reader is not None
        headers = dict(response_headers)
        if "content-length" in headers:
            return await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self._reader.readline()).split(b";")[0], 16):
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readline()
            await self._reader.readline()  # the empty trailer
            return b"".join(chunks)
        body = await self._reader.read()  # no length: the body ends with the connection
        await self.close()
        return body

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
