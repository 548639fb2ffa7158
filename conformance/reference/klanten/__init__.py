"""The legacy Klanten API 1.0 of the reference server: ``klant`` (rules, storage) and ``app`` (HTTP, JWT)."""

from __future__ import annotations

from conformance.reference.klanten.app import create_klanten_app

__all__ = ["create_klanten_app"]
