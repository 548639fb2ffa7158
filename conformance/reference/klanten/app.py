"""HTTP side of the legacy Klanten API 1.0 in the reference server: ZGW JWT auth, routes, contract.

Order per request as vng-api-common has it: the JWT first (so existing and missing klanten get the
same 403, and nothing is looked up for a refused caller), then query, path and body against the
contract, then the domain work. Every response carries ``API-version: 1.0.0``.
"""

from __future__ import annotations

import hmac

import jwt
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from conformance.reference import quirks
from conformance.reference.apis import KLANTEN
from conformance.reference.app import ApiApp
from conformance.reference.klanten.klant import KlantResource
from conformance.reference.problems import ApiError
from conformance.reference.service import Service
from conformance.reference.storage import Store
from conformance.reference.validation import Contract
from conformance.reference.variants import Variant

API_VERSION = "1.0.0"
ROOT_PATH = KLANTEN.root_path
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# HTTP method -> (operationId in the contract, action of the shared Service)
_LIST = {"GET": ("klant_list", "klantenList"), "POST": ("klant_create", "klantenCreate")}
_ITEM = {
    "GET": ("klant_read", "klantenRetrieve"),
    "PUT": ("klant_update", "klantenUpdate"),
    "PATCH": ("klant_partial_update", "klantenPartialUpdate"),
    "DELETE": ("klant_delete", "klantenDestroy"),
}


def forbidden(code: str, detail: str) -> ApiError:
    """vng-api-common's refusal: 403, whether credentials are missing or wrong."""
    return ApiError(
        403,
        code,
        "U heeft geen toestemming om deze actie uit te voeren.",
        detail=detail,
        exception_name="PermissionDenied",
    )


def jwt_refusal(
    authorization: str, *, client_id: str, secret: str, accept_any: bool, quirk: str = ""
) -> ApiError | None:
    """``None`` when ``authorization`` carries an HS256 JWT of the configured client; a 403 otherwise."""
    parts = authorization.split()
    if quirk == quirks.OTHER_SCHEME_ALIAS and len(parts) == 2 and parts[0].lower() == "token":
        parts = ["Bearer", parts[1]]  # the valid token under another scheme word: conformant
    jwt_quirk = quirk in (quirks.JWT_SIGNATURE_STRIPPED, quirks.JWT_EMPTY_SECRET) and len(parts) == 2
    if jwt_quirk and quirks.jwt_quirk_accepts(quirk, parts[1], client_id):
        return None
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return forbidden("not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
    if accept_any:
        return None
    token = parts[1]
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return forbidden("invalid-jwt", "JWT kon niet gelezen worden.")
    if not hmac.compare_digest(str(claims.get("client_id", "")).encode(), client_id.encode()):
        return forbidden("permission_denied", "Client identifier bestaat niet of heeft geen autorisaties.")
    try:
        jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["iat", "client_id"]})
    except jwt.InvalidSignatureError:
        return forbidden("invalid-jwt-signature", "JWT signature verificatie faalde.")
    except jwt.PyJWTError:
        return forbidden("invalid-jwt", "JWT kon niet gevalideerd worden.")
    return None


class KlantenApp(ApiApp):
    """Builds the Starlette application of the legacy API over a shared store."""

    root_path = ROOT_PATH
    api_version = API_VERSION
    partial_patch = True  # the 1.0 contract's PATCH body is the full Klant schema

    def __init__(
        self, *, client_id: str, secret: str, variant: Variant, store: Store, contract: Contract
    ) -> None:
        self.client_id, self.secret = client_id, secret
        self.resource = KlantResource(store, variant.switches)
        service = Service(store, variant.switches, {"klanten": self.resource})
        super().__init__(variant=variant, contract=contract, service=service)

    def build(self) -> Starlette:
        routes = [
            Route(f"{ROOT_PATH}/schema/openapi.yaml", self.openapi, methods=["GET"]),
            Route(f"{ROOT_PATH}/klanten", self._endpoint(_LIST, item=False), methods=list(_LIST)),
            Route(f"{ROOT_PATH}/klanten/{{uuid}}", self._endpoint(_ITEM, item=True), methods=list(_ITEM)),
        ]
        return self._starlette(routes)

    def _refusal(self, request: Request) -> ApiError | None:
        safe = request.method in _SAFE_METHODS
        anonymous_ok = self.switches.anonymous_reads if safe else self.switches.anonymous_writes
        authorization = request.headers.get("authorization", "")
        if anonymous_ok and not authorization.lower().startswith("bearer "):
            return None
        if quirks.common_bypass(self.switches.quirk, request.method, request.query_params, request.url.path):
            return None
        return jwt_refusal(
            authorization,
            client_id=self.client_id,
            secret=self.secret,
            accept_any=self.switches.any_token,
            quirk=self.switches.quirk,
        )

    async def _leak(self, refusal: ApiError, dispatch_id: str, uuid: str, base: str) -> None:
        """The leaky-refusal defect: put the klant that exists into the 403 body."""
        try:
            _, payload = await run_in_threadpool(self.resource.retrieve, uuid, base)
        except ApiError:
            return
        refusal.extra["klant"] = payload


def create_klanten_app(
    *, client_id: str, secret: str, variant: Variant, store: Store, contract: Contract
) -> Starlette:
    """The ASGI application of the legacy API of one reference server."""
    return KlantenApp(
        client_id=client_id, secret=secret, variant=variant, store=store, contract=contract
    ).build()
