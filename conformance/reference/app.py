"""The HTTP side of the reference server: routes, token auth, the contract, problem responses.

Order of checks per request follows Django REST Framework as Open Klant runs it: authentication
first (so existing and missing resources get the same 401), then query parameters, path, media
type and body against the contract, then the domain work in a worker thread. Every response
carries ``API-version: 0.9.0``.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference import problems, quirks
from conformance.reference.contacten import BetrokkeneResource, DigitaalAdresResource, KlantcontactResource
from conformance.reference.partijen import IdentificatorResource, PartijResource
from conformance.reference.problems import ApiError
from conformance.reference.service import Resource, Service, split_operation
from conformance.reference.storage import Store
from conformance.reference.validation import UUID_RE, Contract
from conformance.reference.variants import Variant

API_VERSION = "0.9.0"
ROOT_PATH = "/klantinteracties/api/v1"
PROBLEM_JSON = "application/problem+json"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LIST_ACTIONS = {"GET": "List", "HEAD": "List", "POST": "Create"}
_ITEM_ACTIONS = {
    "GET": "Retrieve",
    "HEAD": "Retrieve",
    "PUT": "Update",
    "PATCH": "PartialUpdate",
    "DELETE": "Destroy",
}
# URL path -> (operationId prefix, resource class)
COLLECTIONS: dict[str, tuple[str, type[Resource]]] = {
    "partijen": ("partijen", PartijResource),
    "partij-identificatoren": ("partijIdentificatoren", IdentificatorResource),
    "digitaleadressen": ("digitaleadressen", DigitaalAdresResource),
    "klantcontacten": ("klantcontacten", KlantcontactResource),
    "betrokkenen": ("betrokkenen", BetrokkeneResource),
}
_LEAKY = frozenset({"partijen", "partijIdentificatoren"})

log = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]


def _site(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def problem_response(error: ApiError, request: Request) -> Response:
    """The problem document of ``error`` as ``application/problem+json``."""
    body = json.dumps(error.body(_site(request)), ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=error.status, media_type=PROBLEM_JSON, headers=error.headers)


class ApiVersionMiddleware:
    """Adds ``API-version`` to every response, including the framework's own 404/405."""

    def __init__(self, app: ASGIApp, version: str = API_VERSION) -> None:
        self.app = app
        self.version = version.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"api-version", self.version)]
            await send(message)

        await self.app(scope, receive, send_with_version if scope["type"] == "http" else send)


Operations = Mapping[str, tuple[str, str]]
"""HTTP method -> (the contract's operationId, the ``Service`` dispatch id)."""


class ApiApp:
    """The request pipeline both APIs share: auth first, then query, path and body against the
    contract, then the domain work in a worker thread; problem responses for every refusal."""

    root_path: ClassVar[str]
    api_version: ClassVar[str]
    partial_patch: ClassVar[bool] = False
    """Whether PATCH skips the body schema's ``required`` (a contract that reuses the full schema)."""

    def __init__(self, *, variant: Variant, contract: Contract, service: Service) -> None:
        self.switches = variant.switches
        self.contract = contract
        self.service = service

    # -- provided by each API ---------------------------------------------------------------------
    def _refusal(self, request: Request) -> ApiError | None:
        """``None`` when the request may proceed; the API's authentication refusal otherwise."""
        raise NotImplementedError

    async def _leak(self, refusal: ApiError, dispatch_id: str, uuid: str, base: str) -> None:
        """The leaky-401 defect: put the resource that exists into the refusal's body."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------------
    def _kept(self, dispatch_id: str, raw: Any) -> dict[str, Any]:
        """Request fields outside the shipped contract that this variant still honours (strict modes:
        a partij's ``nummer``, which Open Klant's published file has); validated here."""
        if not (self.switches.nummer_unique and dispatch_id.startswith("partijen") and isinstance(raw, dict)):
            return {}
        nummer = raw.get("nummer")
        if nummer is None:
            return {}
        if not isinstance(nummer, str) or len(nummer) > 10:
            raise problems.invalid("nummer", "Zorg ervoor dat dit veld niet meer dan 10 karakters bevat.")
        return {"nummer": nummer}

    def _starlette(self, routes: list[Route]) -> Starlette:
        app = Starlette(routes=routes, exception_handlers={HTTPException: self._http_exception})
        app.router.redirect_slashes = False
        app.add_middleware(ApiVersionMiddleware, version=self.api_version)
        return app

    async def openapi(self, request: Request) -> Response:
        """The contract itself, without authentication, as the real servers serve their schema."""
        return Response(self.contract.text, media_type="application/vnd.oai.openapi")

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            error = ApiError(
                405,
                "method_not_allowed",
                f'Methode "{request.method}" niet toegestaan.',
                headers=dict(exc.headers or {}),
                exception_name="MethodNotAllowed",
            )
        elif exc.status_code == 404:
            error = problems.not_found()
        else:
            error = ApiError(exc.status_code, "error", str(exc.detail))
        return problem_response(error, request)

    def _endpoint(self, operations: Operations, *, item: bool) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                return await self._handle(request, *operations[request.method], item=item)
            except ApiError as error:
                return problem_response(error, request)
            except Exception:
                log.exception("reference server: unexpected error on %s %s", request.method, request.url.path)
                return problem_response(problems.server_error(), request)

        return endpoint

    async def _handle(self, request: Request, operation_id: str, dispatch_id: str, *, item: bool) -> Response:
        base = f"{_site(request)}{self.root_path}"
        raw_uuid = str(request.path_params.get("uuid", ""))
        failure = self._refusal(request)
        if (
            failure is not None
            and self.switches.quirk == quirks.REFUSED_BUT_STORED
            and request.method != "GET"
        ):
            await self._process_anyway(request, operation_id, dispatch_id, item=item, base=base)
        if failure is not None:
            if self.switches.leaky_401 and item and UUID_RE.match(raw_uuid):
                await self._leak(failure, dispatch_id, raw_uuid.lower(), base)
            raise failure
        query = self.contract.validate_query(operation_id, dict(request.query_params.items()))
        uuid: str | None = None
        if item:
            if not UUID_RE.match(raw_uuid) and not self.switches.alternate_keys:
                raise problems.not_found()
            uuid = raw_uuid.lower()
        body: dict[str, Any] | None = None
        if request.method in {"POST", "PUT", "PATCH"}:
            partial = self.partial_patch and request.method == "PATCH"
            raw = await read_json(request)
            body = {
                **self.contract.validate_body(operation_id, raw, partial=partial),
                **self._kept(dispatch_id, raw),
            }
        status, payload = await run_in_threadpool(
            self.service.dispatch, dispatch_id, uuid, body, query, base, str(request.url)
        )
        if status == 204:
            return Response(status_code=204)
        headers = {"Location": payload["url"]} if status == 201 else None
        return JSONResponse(payload, status_code=status, headers=headers)

    async def _process_anyway(
        self, request: Request, operation_id: str, dispatch_id: str, *, item: bool, base: str
    ) -> None:
        """The refused-but-stored quirk: the write is done, then refused (invariant layer, issue 18)."""
        raw = str(request.path_params.get("uuid", "")).lower()
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        try:
            body = None
            if request.method != "DELETE":
                body = self.contract.validate_body(operation_id, await read_json(request), partial=False)
            await run_in_threadpool(
                self.service.dispatch, dispatch_id, raw if item else None, body, {}, base, str(request.url)
            )
        except ApiError:
            pass


def _operations(prefix: str, actions: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {method: (prefix + action, prefix + action) for method, action in actions.items()}


class ReferenceApp(ApiApp):
    """Builds the Starlette application of the Klantinteracties API of one server instance."""

    root_path = ROOT_PATH
    api_version = API_VERSION

    def __init__(self, *, token: str, variant: Variant, store: Store, contract: Contract) -> None:
        self.token = token
        resources = {prefix: cls(store, variant.switches) for prefix, cls in COLLECTIONS.values()}
        super().__init__(
            variant=variant, contract=contract, service=Service(store, variant.switches, resources)
        )

    def build(self) -> Starlette:
        routes = [Route(f"{ROOT_PATH}/openapi.yaml", self.openapi, methods=["GET"])]
        slash = "/" if self.switches.quirk == quirks.SLASH_UNAUTHENTICATED else ""
        for path, (prefix, _) in COLLECTIONS.items():
            if slash:  # the quirk: the same reads also answer on a trailing slash
                routes.append(
                    Route(
                        f"{ROOT_PATH}/{path}/{{uuid}}/",
                        self._endpoint(_operations(prefix, _ITEM_ACTIONS), item=True),
                        methods=["GET"],
                    )
                )
            routes.append(
                Route(
                    f"{ROOT_PATH}/{path}",
                    self._endpoint(_operations(prefix, _LIST_ACTIONS), item=False),
                    methods=["GET", "POST"],
                )
            )
            routes.append(
                Route(
                    f"{ROOT_PATH}/{path}/{{uuid}}",
                    self._endpoint(_operations(prefix, _ITEM_ACTIONS), item=True),
                    methods=["GET", "PUT", "PATCH", "DELETE"],
                )
            )
        return self._starlette(routes)

    def _refusal(self, request: Request) -> ApiError | None:
        """``None`` when the request may proceed; DRF TokenAuthentication's answers otherwise."""
        safe = request.method in _SAFE_METHODS
        anonymous_ok = self.switches.anonymous_reads if safe else self.switches.anonymous_writes
        header = request.headers.get("authorization")
        quirk = self.switches.quirk
        if quirk and quirks.token_refusal_bypassed(
            quirk, request.method, header, "token", request.query_params, request.url.path
        ):
            return None
        parts = (header or "").split()
        if quirk == quirks.OTHER_SCHEME_ALIAS and len(parts) == 2 and parts[0].lower() == "bearer":
            parts = ["Token", parts[1]]  # the valid key under another scheme word: conformant
        refusal = self._token_refusal(parts, anonymous_ok)
        if refusal is not None and quirk == quirks.REFUSE_403:
            refusal.status = 403
        return refusal

    def _token_refusal(self, parts: list[str], anonymous_ok: bool) -> ApiError | None:
        if not parts or parts[0].lower() != "token":
            return None if anonymous_ok else problems.not_authenticated()
        if len(parts) == 1:
            return problems.authentication_failed("Ongeldige token header. Geen credentials opgegeven.")
        if len(parts) > 2:
            return problems.authentication_failed(
                "Ongeldige token header. Token string mag geen spaties bevatten."
            )
        if self.switches.any_token or hmac.compare_digest(parts[1].encode(), self.token.encode()):
            return None
        return problems.authentication_failed("Ongeldige token.")

    async def _leak(self, refusal: ApiError, dispatch_id: str, uuid: str, base: str) -> None:
        prefix = split_operation(dispatch_id)[0]
        if prefix not in _LEAKY:
            return
        try:
            _, payload = await run_in_threadpool(self.service.resources[prefix].retrieve, uuid, base)
        except ApiError:
            return
        refusal.extra["partij" if prefix == "partijen" else "partijIdentificator"] = payload


async def read_json(request: Request) -> Any:
    """The JSON body as DRF parses it: empty is ``{}``, another media type 415, bad JSON 400."""
    raw = await request.body()
    if not raw:
        return {}  # DRF treats an empty body as empty data, whatever its media type
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise problems.unsupported_media_type(media_type)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "parse_error", "JSON parse error.", exception_name="ParseError") from None


def create_app(*, token: str, variant: Variant, store: Store, contract: Contract) -> Starlette:
    """The ASGI application of one reference server."""
    return ReferenceApp(token=token, variant=variant, store=store, contract=contract).build()
