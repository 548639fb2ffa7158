"""Where the shipped data lives: ``scenarios/`` and ``specs/``.

In a checkout (or an editable install) they sit beside the package; a wheel carries them inside
the package as ``conformance/_bundled``. Every other module asks here instead of guessing.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    """The folder that holds ``scenarios/`` and ``specs/``."""
    bundled = _PACKAGE / "_bundled"
    if (bundled / "specs").is_dir():
        return bundled
    return _PACKAGE.parent


def specs_dir() -> Path:
    """The project's contract files, profiles and requirement catalogues."""
    return data_root() / "specs"


def scenarios_dir() -> Path:
    """The shipped scenarios, one folder per profile."""
    return data_root() / "scenarios"


def package_file(name: str) -> Path:
    """A data file shipped inside the package itself (e.g. the scenario JSON Schema)."""
    return _PACKAGE / name
