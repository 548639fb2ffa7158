"""Where ``$ref``s into other documents are read from, and an error that names the one that fails.

The standard's own drafts point into the API-Kennisbank (``https://raw.githubusercontent.com/
VNG-Realisatie/API-Kennisbank/master/common/common.yaml#/components/responses/400``), and a
maintainer often works offline or behind a proxy. A referenced document is read from, in order:
an explicit URL→file mapping (``--ref-map``), a folder searched by file name (``--ref-dir``), then
its own location (a file beside the spec, or the network unless ``--offline``). A reference that
cannot be resolved is a ``ConfigError`` (exit 2) naming the reference and the options above, never
a traceback, and never exit 1 (the ``--fail-on`` code for "breaking").
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import yaml
from referencing import Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.typing import URI

from conformance.errors import ConfigError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HINT = (
    "give --ref-dir DIR (a folder holding a copy of {name}) or --ref-map {document}=FILE "
    "to resolve it offline"
)


@dataclass(frozen=True)
class RefSources:
    """Local stand-ins for referenced documents.

    ``mappings``: (URL, path) pairs; a URL ending in ``/`` maps every document under it into the
    folder ``path``. ``ref_dir``: a folder searched by the referenced document's file name.
    ``offline``: never fetch a referenced document over the network.
    """

    ref_dir: Path | None = None
    mappings: tuple[tuple[str, Path], ...] = ()
    offline: bool = False

    def candidates(self, uri: str) -> Iterator[str]:
        """Where the document at ``uri`` may be read, best first (local paths, then ``uri``)."""
        for url, path in self.mappings:
            if uri == url:
                yield str(path)
            elif url.endswith("/") and uri.startswith(url):
                yield str(path / unquote(uri[len(url) :]))
        name = Path(unquote(urlsplit(uri).path)).name
        if self.ref_dir is not None and name:
            yield str(self.ref_dir / name)
        yield uri


def parse_mapping(text: str) -> tuple[str, Path]:
    """``URL=FILE`` (the ``--ref-map`` syntax) → the pair; anything else is a ``ConfigError``."""
    url, sep, path = text.rpartition("=")
    if not sep or not url or not path:
        raise ConfigError(f"--ref-map {text!r}: expected URL=FILE (or URL/=FOLDER)")
    return url, Path(path)


Fetch = Callable[[str], bytes]


def _read(location: str, offline: bool, fetch: Fetch) -> bytes | None:
    """The bytes at a local path, ``file:`` URI or URL; None when there is nothing there."""
    if location.startswith(("http://", "https://")):
        return None if offline else fetch(location)
    path = Path(url2pathname(urlsplit(location).path)) if location.startswith("file:") else Path(location)
    return path.read_bytes() if path.is_file() else None


def read_document(uri: str, sources: RefSources, fetch: Fetch) -> Any:
    """The parsed document a reference points into; a ``ConfigError`` saying why it cannot be read."""
    tried: list[str] = []
    for location in sources.candidates(uri):
        try:
            text = _read(location, sources.offline, fetch)
        except OSError as exc:
            raise ConfigError(f"{location}: {exc}") from exc
        if text is None:
            tried.append(location)
            continue
        try:
            return yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{location}: not YAML or JSON: {exc}") from exc
    offline = " (--offline: the network is not used)" if sources.offline else ""
    raise ConfigError(f"not found at {', '.join(tried)}{offline}")


def retriever(sources: RefSources, fetch: Fetch) -> Callable[[URI], Resource[Any]]:
    """The ``retrieve`` callable of a ``referencing`` registry, reading each document once."""
    cache: dict[str, Resource[Any]] = {}

    def retrieve(uri: URI) -> Resource[Any]:
        if uri not in cache:
            try:
                cache[uri] = Resource.opaque(read_document(uri, sources, fetch))
            except ConfigError as exc:
                raise NoSuchResource(ref=uri) from exc  # type: ignore[call-arg]
        return cache[uri]

    return retrieve


def external_references(node: Any, base: str) -> dict[str, list[str]]:
    """Every other document ``node`` refers to (absolute URI) → the references into it."""
    found: dict[str, list[str]] = {}
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                document = urldefrag(urljoin(base, ref))[0]
                if document != base:
                    found.setdefault(document, []).append(ref)
            stack.extend(reversed(item.values()))  # document order: the first reference is named
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return found


class UnresolvableReference(ConfigError):
    """A ``$ref`` whose target cannot be read (or does not exist in the document read)."""

    def __init__(self, ref: str, source: str, reason: str, count: int = 1, *, hint: bool = True) -> None:
        document = urldefrag(ref)[0]
        name = Path(unquote(urlsplit(document).path)).name or document
        more = f" (and {count - 1} more reference(s) into {name})" if count > 1 else ""
        text = f"{source}: cannot resolve $ref {ref!r}{more}: {reason}"
        if hint and document:
            text += "; " + HINT.format(name=name, document=document)
        super().__init__(text)
        self.ref = ref


def _missing_part(document: Any, ref: str) -> bool:
    """Whether the JSON pointer after ``#`` of ``ref`` leads nowhere in ``document``."""
    node = document
    pointer = urldefrag(ref)[1]
    for token in [t for t in unquote(pointer).split("/") if t][:64]:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return True
    return False


def check_references(document: Any, base: str, source: str, sources: RefSources, fetch: Fetch) -> None:
    """Read every document ``document`` refers to now, so a missing one fails before any diffing
    with the reference named and the reason (a fetch error, a missing file)."""
    for uri, refs in sorted(external_references(document, base).items()):
        try:
            other = read_document(uri, sources, fetch)
        except ConfigError as exc:
            raise UnresolvableReference(refs[0], source, str(exc), len(refs)) from exc
        for ref in refs:
            if _missing_part(other, ref):
                reason = f"{uri} has no {urldefrag(ref)[1]!r}"
                raise UnresolvableReference(ref, source, reason, hint=False)


@contextlib.contextmanager
def references_named(source: str) -> Iterator[None]:
    """Turn ``referencing``'s ``Unresolvable`` (a pointer to nowhere, a document deeper down that
    cannot be read) into an ``UnresolvableReference`` naming it."""
    try:
        yield
    except Unresolvable as exc:
        ref = str(getattr(exc, "ref", exc))
        reason = "no such document, or no such part of a referenced document"
        raise UnresolvableReference(ref, source, reason, hint=not ref.startswith(("#", "/"))) from exc
