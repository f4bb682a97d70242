"""A lean HTTP/1.1 client for load tests: one kept-alive connection, requests written whole, answers read by
their Content-Length.

The load test's clients share the machine's cores with the server they measure. httpx spends 1.5-3 ms of
CPU per request (its request model, connection pool and multipart encoder); fifty simultaneous httpx
clients take about a quarter of a 2-core machine during the opening burst, CPU the server then lacks. A
load generator should cost little next to what it measures (``wrk`` and ``k6`` are native programs for
that reason): this one builds each request as bytes and parses the status line and headers only, about
0.2 ms a request. It speaks only what the load test needs: JSON and multipart bodies, fixed-length answers
(a chunked answer is refused loudly), plain HTTP on one host.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import secrets
from typing import Any

__all__ = ["LeanClient", "LeanResponse", "UnsupportedAnswer", "multipart"]


class UnsupportedAnswer(Exception):
    """An answer this client does not read (not fixed-length)."""


class LeanResponse:
    """Status and body of one answer (the subset of ``httpx.Response`` the load test reads)."""

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


def multipart(files: dict[str, tuple[str, bytes]], data: dict[str, str]) -> tuple[bytes, str]:
    """(body, content type) of a ``multipart/form-data`` form with these file and text fields."""
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in data.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts += [head.encode(), content, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class LeanClient:
    """One kept-alive connection to ``host:port``; ``headers`` go with every request. Not for concurrent use:
    one request at a time (as one user's session sends them)."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        fixed = {"Host": f"{host}:{port}"} | (headers or {})
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
            self._reader = self._writer = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        data: dict[str, str] | None = None,
    ) -> LeanResponse:
        """Send one request and read its answer; a connection the server closed is reopened once."""
        body, ctype = b"", None
        if files is not None:
            body, ctype = multipart(files, data or {})
        elif json is not None:
            body, ctype = jsonlib.dumps(json).encode(), "application/json"
        head = f"{method} {url} HTTP/1.1\r\n{self._fixed}Content-Length: {len(body)}\r\n"
        if ctype is not None:
            head += f"Content-Type: {ctype}\r\n"
        message = head.encode() + b"\r\n" + body
        try:
            return await self._exchange(message)
        except (ConnectionError, asyncio.IncompleteReadError):
            if method != "GET":  # only idempotent reads are sent again
                raise
            await self.aclose()
            return await self._exchange(message)

    async def _exchange(self, message: bytes) -> LeanResponse:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(message)
        status_line = await self._reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"transfer-encoding":
                raise UnsupportedAnswer(
                    f"a {value.strip().decode()} answer: this client reads fixed-length answers only"
                )
            elif key == b"connection" and value.strip().lower() == b"close":
                close = True
        content = await self._reader.readexactly(length) if length else b""
        if close:
            await self.aclose()
        return LeanResponse(status, content)
