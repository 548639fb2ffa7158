"""A tiny HTTP API for engine tests: items with token auth, plus endpoints that misbehave."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TOKEN = "toy-token-0123456789abcdef"


def make_app() -> Starlette:
    items: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Token {TOKEN}"

    def denied() -> JSONResponse:
        return JSONResponse(
            {
                "type": "about:blank",
                "code": "not_authenticated",
                "title": "no",
                "status": 401,
                "detail": "no credentials",
                "instance": "urn:uuid:" + str(uuid.uuid4()),
            },
            status_code=401,
            headers={"WWW-Authenticate": "Token"},
        )

    async def collection(request: Request) -> Response:
        if not authorised(request):
            return denied()
        if request.method == "POST":
            body = await request.json()
            name = body.get("name")
            with lock:
                if body.get("unique") and any(i["name"] == name for i in items.values()):
                    return JSONResponse(
                        {
                            "type": "x",
                            "code": "invalid",
                            "title": "dup",
                            "status": 400,
                            "detail": "dup",
                            "instance": "urn:uuid:1",
                            "invalidParams": [{"name": "name", "code": "unique", "reason": "dup"}],
                        },
                        status_code=400,
                    )
                item = {"uuid": str(uuid.uuid4()), "name": name, "tags": body.get("tags", [])}
                items[item["uuid"]] = item
            return JSONResponse(item, status_code=201, headers={"Location": f"/api/items/{item['uuid']}"})
        name = request.query_params.get("name")
        found = [i for i in items.values() if name is None or i["name"] == name]
        return JSONResponse({"count": len(found), "results": found})

    async def detail(request: Request) -> Response:
        if not authorised(request):
            return denied()
        key = request.path_params["uuid"]
        if key not in items:
            return JSONResponse(
                {
                    "type": "x",
                    "code": "not_found",
                    "title": "nf",
                    "status": 404,
                    "detail": "nf",
                    "instance": "urn:uuid:2",
                },
                status_code=404,
            )
        if request.method == "DELETE":
            del items[key]
            return Response(status_code=204)
        return JSONResponse(items[key])

    async def boom(request: Request) -> Response:
        return PlainTextResponse("Internal Server Error", status_code=500)

    async def html(request: Request) -> Response:
        return Response("<html>not json</html>", media_type="text/html")

    async def slow(request: Request) -> Response:
        await asyncio.sleep(3)
        return JSONResponse({})

    async def big(request: Request) -> Response:
        return PlainTextResponse("x" * 200_000)

    async def count(request: Request) -> Response:
        return JSONResponse({"count": len(items)})

    async def echo(request: Request) -> Response:
        # A careless target that quotes the credential back in its error body.
        sent = request.headers.get("authorization", "")
        return JSONResponse({"detail": f"you sent {sent}"}, status_code=400)

    return Starlette(
        routes=[
            Route("/api/items", collection, methods=["GET", "POST"]),
            Route("/api/items/{uuid}", detail, methods=["GET", "DELETE"]),
            Route("/api/boom", boom, methods=["GET", "POST"]),
            Route("/api/html", html),
            Route("/api/slow", slow),
            Route("/api/big", big),
            Route("/api/count", count),
            Route("/api/echo", echo, methods=["GET", "POST"]),
        ]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
