"""Running the reference server: in a background thread for tests and runs, or blocking for `serve`.

The suite starts the server itself when no target is given, so starting must be quick, quiet and
certain: ``start`` returns only once the server answers, and ``stop`` is idempotent and bounded.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.errors import ConfigError
from conformance.reference.apis import KLANTEN, KLANTINTERACTIES, get_reference_api
from conformance.reference.app import ROOT_PATH, create_app
from conformance.reference.klanten import create_klanten_app
from conformance.reference.klanten.klant import install as install_klanten
from conformance.reference.registers import ROOT_PATH as REGISTERS_ROOT
from conformance.reference.registers import create_registers_app, subject_url_template
from conformance.reference.storage import Store
from conformance.reference.validation import Contract
from conformance.reference.variants import get_variant

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0


def contract_path() -> Path:
    """The contract the server validates against and serves at ``<root>/openapi.yaml``."""
    return KLANTINTERACTIES.contract_path()


@dataclass(frozen=True)
class JwtClient:
    """The one ZGW client the legacy API accepts: its ``client_id`` and HS256 secret."""

    client_id: str
    secret: str

    @classmethod
    def generated(cls, client_id: str | None = None, secret: str | None = None) -> JwtClient:
        return cls(client_id or "klanten-conformance", secret or secrets.token_hex(32))


class _ByRoot:
    """Sends each request to the API whose root its path is under (one server, several APIs)."""

    def __init__(self, default: ASGIApp, apps: dict[str, ASGIApp]) -> None:
        self.default = default
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        for root, app in self.apps.items():
            if path == root or path.startswith(root + "/"):
                await app(scope, receive, send)
                return
        await self.default(scope, receive, send)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux: without it, small responses wait for delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"reference server cannot listen on {host}:{port}: {exc}") from exc
    return sock


class _Prepared:
    """Everything one server instance owns: the database file, the store and the uvicorn server."""

    def __init__(
        self, *, variant: str, token: str, jwt: JwtClient, db_path: str | None, host: str, profile: str | None
    ) -> None:
        chosen = get_variant(variant, profile)
        self.tmpdir = None if db_path else tempfile.mkdtemp(prefix="klanten-reference-")
        path = db_path or str(Path(str(self.tmpdir)) / "reference.sqlite3")
        self.store = Store(path, chosen.switches)
        install_klanten(self.store, chosen.switches)
        app = create_app(
            token=token, variant=chosen, store=self.store, contract=Contract.load(contract_path())
        )
        legacy = create_klanten_app(
            client_id=jwt.client_id,
            secret=jwt.secret,
            variant=chosen,
            store=self.store,
            contract=Contract.load(KLANTEN.contract_path()),
        )
        both = _ByRoot(app, {KLANTEN.root_path: legacy, REGISTERS_ROOT: create_registers_app()})
        config = uvicorn.Config(both, host=host, log_level="error", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)

    def cleanup(self) -> None:
        self.store.close()
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


class ReferenceServer:
    """The reference server in a background thread on loopback; a context manager."""

    def __init__(
        self,
        *,
        variant: str = "reference",
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        db_path: str | None = None,
        jwt: JwtClient | None = None,
        profile: str | None = None,
    ) -> None:
        self.variant = variant
        self.profile = profile
        self.token = token or secrets.token_hex(20)
        self.jwt = jwt or JwtClient.generated()
        self.host = host
        self.port = port
        self.db_path = db_path
        self.root_url = ""
        self.site = ""
        self._prepared: _Prepared | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ReferenceServer:
        """Start serving; returns once the server answers. ``ConfigError`` on an unknown variant."""
        if self._thread is not None:
            return self
        prepared = _Prepared(
            variant=self.variant,
            token=self.token,
            jwt=self.jwt,
            db_path=self.db_path,
            host=self.host,
            profile=self.profile,
        )
        self._prepared = prepared
        self._socket = _bind(self.host, self.port)
        self.port = int(self._socket.getsockname()[1])
        netloc = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        self.root_url = f"http://{netloc}{ROOT_PATH}"
        self.site = f"http://{netloc}"
        self._thread = threading.Thread(
            target=prepared.server.run,
            kwargs={"sockets": [self._socket]},
            name="klanten-reference",
            daemon=True,
        )
        self._thread.start()
        self._wait_until_answering()
        return self

    def root_for(self, api: str) -> str:
        """The root URL of the reference API called ``api`` (a profile's ``reference``)."""
        return self.site + get_reference_api(api).root_path

    @property
    def subject_url_template(self) -> str:
        """A ``--subject-url-template`` this server can fetch (its fake BRP, ``reference.registers``)."""
        return subject_url_template(self.site)

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._thread is None or not self._thread.is_alive():
                break
            try:
                if httpx.get(f"{self.root_url}/openapi.yaml", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.02)
        self.stop()
        raise ConfigError(f"reference server did not start within {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        """Stop serving and remove the temporary database; safe to call twice."""
        prepared, thread = self._prepared, self._thread
        self._prepared = self._thread = None
        if prepared is not None:
            prepared.server.should_exit = True
        if thread is not None:
            thread.join(STOP_TIMEOUT_S)
            if thread.is_alive() and prepared is not None:
                prepared.server.force_exit = True
                thread.join(STOP_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if prepared is not None:
            prepared.cleanup()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    *,
    variant: str,
    host: str,
    port: int,
    token: str | None,
    db_path: str | None,
    on_ready: Callable[[dict[str, str], str, JwtClient], None],
    jwt: JwtClient | None = None,
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM; ``on_ready(roots, token, jwt)`` once listening,
    with the root URL of every API by name."""
    key = token or secrets.token_hex(20)
    client = jwt or JwtClient.generated()
    prepared = _Prepared(variant=variant, token=key, jwt=client, db_path=db_path, host=host, profile=None)
    sock = _bind(host, port)
    bound = int(sock.getsockname()[1])
    netloc = f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"
    server = prepared.server
    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        if server.started:
            roots = {api.name: f"http://{netloc}{api.root_path}" for api in (KLANTINTERACTIES, KLANTEN)}
            on_ready(roots, key, client)

    server.startup = startup  # type: ignore[method-assign]
    # uvicorn re-raises the signal it shut down on once it restores the previous handlers; make
    # those no-ops so SIGINT/SIGTERM end `serve` cleanly (exit 0) instead of killing the process.
    quiet = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in quiet.items():
            signal.signal(sig, handler)
        sock.close()
        prepared.cleanup()


def _ignore(signum: int, frame: object) -> None:
    """A signal handler that does nothing: the server has already stopped."""
