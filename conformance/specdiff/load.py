"""Load an OpenAPI document (path or URL) and give it a ``referencing`` registry for ``$ref``.

``$ref`` resolution is the ``referencing`` library's (the one jsonschema builds on): the document
is registered as a resource under its own URI, and references to other files or URLs are
retrieved on demand, from where ``refs.RefSources`` says (a --ref-dir, a --ref-map, or their own
location). Nothing here resolves references by hand; the other documents are only read once on
load, so a missing one is reported by name before any diffing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import httpx
import yaml
from referencing import Registry, Resource

from conformance.errors import ConfigError
from conformance.specdiff.refs import RefSources, check_references, retriever

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HTTP_TIMEOUT = 30.0
MAX_BYTES = 20 * 1024 * 1024


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def parse_document(text: str | bytes, source: str) -> dict[str, Any]:
    """YAML or JSON text → the document mapping; anything else is a ``ConfigError``."""
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not YAML or JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("paths", {}), dict):
        raise ConfigError(f"{source}: not an OpenAPI document (no mapping with `paths`)")
    if "openapi" not in data and "swagger" not in data:
        raise ConfigError(f"{source}: not an OpenAPI document (no `openapi` version key)")
    return data


def fetch_url(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float | httpx.Timeout = HTTP_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    client: httpx.Client | None = None,
) -> bytes:
    """The body of a 200 answer, at most ``max_bytes``; anything else is a ``ConfigError`` saying why.

    ``client``: a run's client (``HttpLimits.http_client``), so its overall deadline, size cap and
    circuit breaker apply; without one, a plain request with ``timeout``.
    """
    stream = (
        client.stream("GET", url, headers=headers)
        if client is not None
        else httpx.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True)
    )
    try:
        with stream as response:
            if response.status_code != 200:
                raise ConfigError(f"{url} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise ConfigError(f"{url} is larger than {max_bytes} bytes")
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot fetch {url}: {exc}") from exc
    return bytes(body)


def fetch_text(source: str) -> bytes:
    """The bytes of a path or URL; failures are ``ConfigError`` naming the source."""
    if is_url(source):
        return fetch_url(source)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"OpenAPI file not found: {source}")
    return path.read_bytes()


@dataclass(frozen=True)
class Spec:
    """One loaded OpenAPI document and the registry its references resolve in."""

    source: str
    uri: str
    document: dict[str, Any]
    registry: Registry[Any]

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", ""))

    @property
    def version(self) -> str:
        return str(self.document.get("info", {}).get("version", ""))

    def resolver(self) -> Any:
        return self.registry.resolver(base_uri=self.uri)

    @functools.cached_property
    def operation_ids(self) -> dict[str, tuple[str, str]]:
        """operationId → (METHOD, path) as written."""
        found: dict[str, tuple[str, str]] = {}
        for path, item in (self.document.get("paths") or {}).items():
            for method, operation in (item or {}).items():
                if isinstance(operation, dict) and operation.get("operationId"):
                    found[str(operation["operationId"])] = (method.upper(), path)
        return found


def spec_from_document(
    document: dict[str, Any], source: str, uri: str | None = None, refs: RefSources | None = None
) -> Spec:
    """Wrap an already parsed document (e.g. a served spec kept in memory).

    Every other document it refers to is read now (through ``refs``), so an unresolvable
    reference is an ``UnresolvableReference`` naming it, before any diffing.
    """
    if uri is None:
        uri = source if is_url(source) else Path(source).resolve().as_uri()
    uri = urldefrag(uri)[0]
    refs = refs or RefSources()
    check_references(document, uri, source, refs, fetch_url)
    empty: Registry[Any] = Registry(retrieve=retriever(refs, fetch_url))  # type: ignore[call-arg]
    registry = empty.with_resource(uri, Resource.opaque(document))
    return Spec(source=source, uri=uri, document=document, registry=registry)


def load_spec(source: str | Path, refs: RefSources | None = None) -> Spec:
    """Load a path or URL into a ``Spec``; ``refs`` says where referenced documents are read."""
    text = fetch_text(str(source))
    return spec_from_document(parse_document(text, str(source)), str(source), refs=refs)
