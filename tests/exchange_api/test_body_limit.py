"""Request bodies are capped (issue 8, defect 6): 413 before the route runs, nothing read past it.

Memory is not the measure here: a refused body must get a 413 problem, the route must never
run, and a streamed body must stop being read soon after the limit.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from catalog.settings import Settings
from exchange_api.app import create_app

LIMIT = 1024
CHUNK = 256
PROBLEM = "application/problem+json"


@pytest.fixture
def ran() -> list[int]:
    return []


@pytest.fixture
def app(tmp_path: Path, ran: list[int]) -> FastAPI:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var", environment="test", max_body_bytes=LIMIT, _env_file=None
    )
    application = create_app(settings)

    @application.post("/test/sink")
    async def sink(request: Request) -> dict[str, int]:
        body = await request.body()
        ran.append(len(body))
        return {"received": len(body)}

    return application


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert (body["status"], body["code"]) == (413, "request.too_large")
    assert str(LIMIT) in body["detail"]


def test_a_declared_length_over_the_limit_is_refused_before_the_route(
    app: FastAPI, ran: list[int]
) -> None:
    with TestClient(app) as client:
        _assert_too_large(client.post("/test/sink", content=b"x" * (LIMIT + 1)))
        _assert_too_large(client.post("/api/v1/requests", content=b"{" + b" " * LIMIT + b"}"))
        assert client.post("/test/sink", content=b"x" * LIMIT).json() == {"received": LIMIT}
    assert ran == [LIMIT]


def _stream(app: FastAPI, chunks: int) -> tuple[httpx.Response, int]:
    """POST ``chunks`` chunks of CHUNK bytes with no Content-Length; also how many were read."""
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(chunks):
            pulled += 1
            yield b"x" * CHUNK

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/test/sink", content=body())

    response = asyncio.run(post())
    assert "content-length" not in {k.lower() for k in response.request.headers}
    return response, pulled


def test_a_streamed_body_over_the_limit_is_cut_off(app: FastAPI, ran: list[int]) -> None:
    response, pulled = _stream(app, chunks=4000)  # 1 MB offered
    _assert_too_large(response)
    assert ran == []
    assert pulled <= LIMIT // CHUNK + 2  # reading stopped right after the limit


def test_a_streamed_body_within_the_limit_reaches_the_route(app: FastAPI, ran: list[int]) -> None:
    response, pulled = _stream(app, chunks=LIMIT // CHUNK)
    assert response.status_code == 200, response.text
    assert ran == [LIMIT] and pulled == LIMIT // CHUNK


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    """The app behind a real uvicorn on 127.0.0.1, on a port the OS picked."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_a_real_server_refuses_declared_and_chunked_bodies(server: str, ran: list[int]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(32):
            yield b"x" * CHUNK

    with httpx.Client(base_url=server, timeout=20) as client:
        _assert_too_large(client.post("/test/sink", content=b"x" * (8 * LIMIT)))
    with httpx.Client(base_url=server, timeout=20) as client:
        streamed = client.post("/test/sink", content=chunks())
        assert streamed.request.headers.get("transfer-encoding") == "chunked"
        _assert_too_large(streamed)
    with httpx.Client(base_url=server, timeout=20) as client:
        assert client.post("/test/sink", content=b"ok").json() == {"received": 2}
    assert ran == [2]


def test_the_openapi_document_states_the_limit(app: FastAPI) -> None:
    with TestClient(app) as client:
        document: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    assert f"{LIMIT} bytes" in document["info"]["description"]
