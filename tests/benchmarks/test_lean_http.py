"""The load test's lean HTTP client: requests written as sent, answers read by length, reads retried once."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from lean_http import LeanClient, UnsupportedAnswer, multipart


async def _serve(
    answers: list[bytes], seen: list[tuple[bytes, bytes]], close_after: int | None = None
) -> asyncio.Server:
    """A loopback server answering each request with the next of ``answers``; records (head, body) pairs."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            seen.append((head, await reader.readexactly(length)))
            writer.write(answers.pop(0))
            await writer.drain()
            served += 1
            if close_after is not None and served >= close_after:
                break
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def _answer(status: int, body: bytes, extra: str = "") -> bytes:
    return f"HTTP/1.1 {status} X\r\ncontent-length: {len(body)}\r\n{extra}\r\n".encode() + body


def test_json_and_multipart_requests_on_one_kept_alive_connection() -> None:
    async def run() -> None:
        seen: list[tuple[bytes, bytes]] = []
        server = await _serve([_answer(201, b'{"id": "d1"}'), _answer(200, b"[1, 2]")], seen)
        port = server.sockets[0].getsockname()[1]
        async with LeanClient("127.0.0.1", port, {"Authorization": "Bearer k"}) as c:
            up = await c.request("POST", "/datasets/upload", files={"file": ("a.csv", b"x,y\n1,2\n")}, data={"e": "5"})
            listed = await c.request("PUT", "/datasets/d1/metadata", json={"columns": {}})
        server.close()
        assert (up.status_code, up.json()) == (201, {"id": "d1"})
        assert (listed.status_code, listed.json(), listed.text) == (200, [1, 2], "[1, 2]")
        (head1, body1), (head2, body2) = seen
        assert head1.startswith(b"POST /datasets/upload HTTP/1.1\r\n") and b"Authorization: Bearer k" in head1
        assert b'name="file"; filename="a.csv"' in body1 and b"x,y\n1,2\n" in body1 and b'name="e"\r\n\r\n5' in body1
        assert head2.startswith(b"PUT /datasets/d1/metadata") and json.loads(body2) == {"columns": {}}
        assert b"Content-Type: application/json" in head2

    asyncio.run(run())


def test_multipart_body_parses_back_with_the_standard_parser() -> None:
    from email.parser import BytesParser

    body, ctype = multipart({"file": ("a.csv", b"1,2\r\n3,4")}, {"epsilon": "10"})
    msg = BytesParser().parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    parts = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True) for p in msg.get_payload()}
    assert parts == {"epsilon": b"10", "file": b"1,2\r\n3,4"}


def test_a_read_is_sent_again_on_a_closed_connection_a_write_is_not() -> None:
    async def run() -> None:
        seen: list[tuple[bytes, bytes]] = []
        server = await _serve([_answer(200, b"1"), _answer(200, b"2"), _answer(200, b"3")], seen, close_after=1)
        port = server.sockets[0].getsockname()[1]
        async with LeanClient("127.0.0.1", port) as c:
            assert (await c.request("GET", "/a")).content == b"1"
            await asyncio.sleep(0.05)  # the server closed the kept-alive connection
            assert (await c.request("GET", "/b")).content == b"2"  # sent again on a new connection
            await asyncio.sleep(0.05)
            with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
                await c.request("POST", "/c", json={})
        server.close()

    asyncio.run(run())


def test_a_chunked_answer_is_refused_loudly() -> None:
    async def run() -> None:
        server = await _serve([b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"], [])
        port = server.sockets[0].getsockname()[1]
        async with LeanClient("127.0.0.1", port) as c:
            with pytest.raises(UnsupportedAnswer, match="chunked"):
                await c.request("GET", "/")
        server.close()

    asyncio.run(run())
