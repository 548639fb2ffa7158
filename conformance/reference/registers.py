"""A tiny fake BRP and HR on the reference server, and the subject fetch of the strict legacy mode.

Real legacy servers (domain.md §8) accept a klant's ``subject`` only when they can fetch it
themselves (HTTP 200); anything else is a 400 with ``code: bad-url``. A test client cannot invent
a BRP/HR URL, so the embedded reference serves a register of test persons and organisations under
``/test-registers``: every 11-proef BSN/RSIN and every 8-digit KvK-nummer "exists" there. The
strict mode fetches only loopback URLs (127.0.0.1, ::1, localhost): the reference never reaches
out to the network, and an unreachable subject is refused exactly as a real server refuses it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.reference import rules

ROOT_PATH = "/test-registers"
BRP_PERSON = ROOT_PATH + "/brp/ingeschrevenpersonen/{bsn}"
HR_NNP = ROOT_PATH + "/hr/niet-natuurlijke-personen/{rsin}"
HR_VESTIGING = ROOT_PATH + "/hr/vestigingen/{vestigingsnummer}"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
FETCH_TIMEOUT_S = 3.0
BAD_URL_REASON = "De URL kan niet opgehaald worden (geen 200-antwoord)."


async def _person(request: Request) -> JSONResponse:
    bsn = str(request.path_params["bsn"])
    if not rules.elfproef(bsn):
        return JSONResponse({"detail": "Niet gevonden."}, status_code=404)
    return JSONResponse({"burgerservicenummer": bsn, "naam": {"geslachtsnaam": "Testpersoon"}})


async def _nnp(request: Request) -> JSONResponse:
    rsin = str(request.path_params["rsin"])
    if not rules.elfproef(rsin):
        return JSONResponse({"detail": "Niet gevonden."}, status_code=404)
    return JSONResponse({"rsin": rsin, "statutaireNaam": "Testorganisatie B.V."})


async def _vestiging(request: Request) -> JSONResponse:
    number = str(request.path_params["vestigingsnummer"])
    if len(number) != 12 or not number.isdigit():
        return JSONResponse({"detail": "Niet gevonden."}, status_code=404)
    return JSONResponse({"vestigingsnummer": number, "handelsnaam": "Testvestiging"})


def create_registers_app() -> Starlette:
    """The fake registers, mounted at ``ROOT_PATH`` of every reference server."""
    return Starlette(
        routes=[
            Route(BRP_PERSON, _person, methods=["GET"]),
            Route(HR_NNP, _nnp, methods=["GET"]),
            Route(HR_VESTIGING, _vestiging, methods=["GET"]),
        ]
    )


def subject_url_template(site: str) -> str:
    """The ``--subject-url-template`` the embedded reference answers: ``{bsn}`` becomes a person."""
    return site + BRP_PERSON


def fetchable(url: str) -> bool:
    """True when ``url`` is a loopback http(s) URL answering 200 (the strict mode's subject check)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in LOOPBACK:
        return False
    try:
        response = httpx.get(url, timeout=FETCH_TIMEOUT_S, follow_redirects=False)
    except httpx.HTTPError:
        return False
    return response.status_code == 200
