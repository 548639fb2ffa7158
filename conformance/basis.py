"""What a contract finding was judged against: a document (title, version, sha256) and a JSON pointer.

A vendor told "your response breaks the contract" must be able to check the claim: which file, in
which version (its sha256 pins the exact bytes), and where in it the violated schema, response list
or policy is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.yamlsafe import safe_load


@dataclass(frozen=True)
class Document:
    """A contract or profile file, identified so that a reader can fetch and compare it."""

    path: str
    title: str | None
    version: str | None
    sha256: str

    @classmethod
    def of(cls, path: Path, *, title_key: str = "title", version_key: str = "version") -> Document:
        """Facts of an OpenAPI document (``info.title``/``info.version``) or a profile (top level)."""
        raw = path.read_bytes()
        try:
            data = safe_load(raw) or {}
        except yaml.YAMLError:
            data = {}
        info = data.get("info", data) if isinstance(data, dict) else {}
        title, version = info.get(title_key), info.get(version_key)
        return cls(
            path=str(path),
            title=None if title is None else str(title),
            version=None if version is None else str(version),
            sha256=hashlib.sha256(raw).hexdigest(),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "version": self.version, "sha256": self.sha256}

    def at(self, pointer: str) -> dict[str, Any]:
        """The ``basis`` of a finding: this document and a JSON pointer into it."""
        return {
            "document": {"title": self.title, "version": self.version, "sha256": self.sha256},
            "pointer": pointer,
        }


def escape(token: str) -> str:
    """One JSON-pointer reference token (RFC 6901: ``~`` → ``~0``, ``/`` → ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def operation_pointer(path: str, method: str, *tokens: str) -> str:
    """``/paths/<path>/<method>/…`` of an operation in an OpenAPI document."""
    return "/" + "/".join(escape(t) for t in ("paths", path, method.lower(), *tokens))


def profile_document(path: Path) -> Document:
    """A profile file: ``title`` and ``api_version`` at its top level."""
    return Document.of(path, version_key="api_version")
