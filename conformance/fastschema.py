"""A JSON Schema (2020-12) check that is fast when the answer is "valid", exact when it is not.

Every scenario file and every 4xx body is checked against a schema, and nearly all of them pass.
jsonschema-rs answers "valid" a hundred times faster than the ``jsonschema`` package (whose import
alone costs more than checking a run's scenarios); ``jsonschema`` still decides and words every
refusal, so messages, paths and "best match" are unchanged. jsonschema-rs only ever skips the
slow check; a value it cannot take (a YAML date, a non-string key) or any trouble of its own
sends the value to ``jsonschema`` as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class QuickCheck:
    """``valid(value)``: True only when jsonschema-rs accepts ``value`` under ``schema``."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._fast: Any = None
        try:
            import jsonschema_rs

            self._fast = jsonschema_rs.Draft202012Validator(dict(schema), validate_formats=False)
        except Exception:  # not installed, or a schema it cannot compile: always take the slow path
            self._fast = None

    def valid(self, value: Any) -> bool:
        if self._fast is None:
            return False
        try:
            return bool(self._fast.is_valid(value))
        except Exception:  # a value outside JSON (a date, a set, an int key): the slow path decides
            return False
