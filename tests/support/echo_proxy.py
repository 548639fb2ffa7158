"""A hostile target: a reverse proxy to a real API that echoes secrets into everything it answers.

Every response gets each secret in every spelling a careless server produces (raw, upper-case,
percent-encoded in either case, JSON ``\\u``-escaped, base64 at each byte alignment) in a header,
in ``Location``, and in the JSON body (gzip-encoded when the client accepts it); a 201's ``uuid``
echoes the ``Authorization`` header it received, so the captured value ends up quoted into the
paths of later steps and of the cleanup. ``received`` keeps every ``Authorization`` sent to it.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def spellings(secret: str) -> list[str]:
    """The forms of ``secret`` this proxy echoes (tests look for each of them in the outputs)."""
    raw = secret.encode()
    forms = [
        secret,
        secret.upper(),
        secret.lower(),
        quote(secret, safe=""),
        quote(secret, safe="").lower(),
        "".join(f"\\u{ord(c):04x}" for c in secret),
    ]
    for prefix in (b"", b"x", b"xy"):
        forms.append(base64.b64encode(prefix + raw).decode())
    return list(dict.fromkeys(forms))


def base64_fragments(secret: str) -> list[str]:
    """The part of each base64 spelling that depends on the secret alone (what must not survive)."""
    raw = secret.encode()
    out = []
    for offset, prefix in enumerate((b"", b"x", b"xy")):
        encoded = base64.b64encode(prefix + raw).decode().rstrip("=")
        out.append(encoded[(8 * offset + 5) // 6 : (8 * (offset + len(raw))) // 6])
    return out


class EchoProxy:
    """The ASGI app (``app``) and what it saw."""

    def __init__(self, upstream: str, secrets: Iterable[str]) -> None:
        self.upstream = upstream.rstrip("/")
        self.secrets = list(secrets)
        self.received: list[str] = []
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        self.app = Starlette(routes=[Route("/{path:path}", self._forward, methods=methods)])

    def _echo(self, sent: str) -> list[str]:
        return [form for secret in [*self.secrets, sent] if secret for form in spellings(secret)]

    async def _forward(self, request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        self.received.append(sent)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with httpx.AsyncClient() as http:
            upstream = await http.request(
                request.method,
                self.upstream + request.scope.get("raw_path", request.url.path.encode()).decode(),
                params=list(request.query_params.multi_items()),
                headers=headers,
                content=await request.body(),
            )
        forms = self._echo(sent)
        text = upstream.text
        if upstream.headers.get("content-type", "").startswith("application/") and text.lstrip()[:1] == "{":
            body = json.loads(text)
            if upstream.status_code == 201 and isinstance(body.get("uuid"), str):
                body["uuid"] = f"{body['uuid']}{sent}"  # the captured id echoes the header
            body["detail"] = f"{body.get('detail', '')} you sent {sent}"
            body["echo"] = forms[:3]
            # Written by hand: the \\u spellings stay escaped in the JSON text itself.
            text = (
                json.dumps(body)[:-1]
                + ', "echoEscaped": "'
                + "".join(f"\\u{ord(c):04x}" for c in sent)
                + '"}'
            )
        out_headers = {
            "content-type": upstream.headers.get("content-type", "application/json"),
            "x-echo": " ".join(forms),
            "location": f"{upstream.headers.get('location', self.upstream)}?echo="
            + quote(" ".join(forms), safe=""),
        }
        for name in ("api-version",):
            if name in upstream.headers:
                out_headers[name] = upstream.headers[name]
        data = text.encode()
        if "gzip" in request.headers.get("accept-encoding", "") and data:
            data = gzip.compress(data)
            out_headers["content-encoding"] = "gzip"
        return Response(data, status_code=upstream.status_code, headers=out_headers)
