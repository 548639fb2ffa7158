"""What a contract finding was judged against: a document (title, version, sha256) and a JSON pointer.

A vendor told "your response breaks the contract" must be able to check the claim: which file, in
which version (its sha256 pins the exact bytes), and where in it the violated schema, response list
or policy is. The project's own contract files are derived from a published document; they say so
under ``info.x-klanten-conformance`` (their own title, and the published file's title, version,
sha256 and origin), and a finding judged against one also cites the published document with the
pointer of the same constraint there, so a vendor who hashes the published file can check it too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.yamlsafe import safe_load

EXTENSION = "x-klanten-conformance"


@dataclass(frozen=True)
class Published:
    """The published document a project contract was derived from (``derived-from`` of its extension).

    Every operation, response and media type of the project's contract exists in it under the same
    pointer (tests/upstream/test_strictness.py's walker pairs them); only where security is declared
    may differ: ``security: operation`` when the published file declares it per operation.
    """

    title: str
    version: str
    file: str  # its name in shared/specs/upstream
    sha256: str
    repository: str
    path: str
    commit: str
    security: str = "document"

    @classmethod
    def of(cls, raw: Any) -> Published | None:
        if not isinstance(raw, dict) or not raw.get("sha256"):
            return None
        return cls(**{k.replace("-", "_"): str(v) for k, v in raw.items() if k.replace("-", "_") in _FIELDS})

    def pointer_for(self, pointer: str, operation: tuple[str, str] | None) -> str:
        """The pointer of the same constraint in the published document."""
        if pointer == "/security" and operation is not None and self.security == "operation":
            return operation_pointer(operation[1], operation[0], "security")
        return pointer

    def cite(self, pointer: str, operation: tuple[str, str] | None) -> dict[str, Any]:
        return {
            "title": self.title,
            "version": self.version,
            "file": self.file,
            "sha256": self.sha256,
            "origin": f"{self.repository}@{self.commit}:{self.path}",
            "pointer": self.pointer_for(pointer, operation),
        }


_FIELDS = {"title", "version", "file", "sha256", "repository", "path", "commit", "security"}


@dataclass(frozen=True)
class Document:
    """A contract or profile file, identified so that a reader can fetch and compare it."""

    path: str
    title: str | None
    version: str | None
    sha256: str
    published: Published | None = None  # set for the project's own contract, derived from this one

    @classmethod
    def of(cls, path: Path, *, title_key: str = "title", version_key: str = "version") -> Document:
        """Facts of an OpenAPI document (``info.title``/``info.version``) or a profile (top level)."""
        raw = path.read_bytes()
        try:
            data = safe_load(raw) or {}
        except yaml.YAMLError:
            data = {}
        info = data.get("info", data) if isinstance(data, dict) else {}
        extension = info.get(EXTENSION)
        own: dict[str, Any] = extension if isinstance(extension, dict) else {}
        title, version = own.get("title", info.get(title_key)), info.get(version_key)
        return cls(
            path=str(path),
            title=None if title is None else str(title),
            version=None if version is None else str(version),
            sha256=hashlib.sha256(raw).hexdigest(),
            published=Published.of(own.get("derived-from")),
        )

    def to_dict(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "path": self.path,
            "title": self.title,
            "version": self.version,
            "sha256": self.sha256,
        }
        if self.published is not None:
            facts["published"] = {k: v for k, v in self.published.cite("", None).items() if k != "pointer"}
        return facts

    def at(self, pointer: str, operation: tuple[str, str] | None = None) -> dict[str, Any]:
        """The ``basis`` of a finding: this document and a JSON pointer into it; for a project contract
        also the published document and the pointer there (``operation``: (METHOD, path) judged)."""
        basis: dict[str, Any] = {
            "document": {"title": self.title, "version": self.version, "sha256": self.sha256},
            "pointer": pointer,
        }
        if self.published is not None:
            basis["published"] = self.published.cite(pointer, operation)
        return basis


def escape(token: str) -> str:
    """One JSON-pointer reference token (RFC 6901: ``~`` → ``~0``, ``/`` → ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def operation_pointer(path: str, method: str, *tokens: str) -> str:
    """``/paths/<path>/<method>/…`` of an operation in an OpenAPI document."""
    return "/" + "/".join(escape(t) for t in ("paths", path, method.lower(), *tokens))


def profile_document(path: Path) -> Document:
    """A profile file: ``title`` and ``api_version`` at its top level."""
    return Document.of(path, version_key="api_version")
