"""``{{ name }}`` substitution: small and safe, nothing is ever evaluated.

A string that is exactly one template keeps the value's type (a captured object stays an
object); templates inside longer strings are converted to text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from conformance.errors import ToolError

TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\}\}")


class UndefinedVariable(ToolError):
    """A template names a variable that is not defined at that point of the scenario."""


Resolver = Callable[[str], Any]


def render(value: Any, resolve: Resolver) -> Any:
    """Substitute every template in ``value`` (recursively through lists and mappings)."""
    if isinstance(value, str):
        whole = TEMPLATE.fullmatch(value.strip())
        if whole and value.strip() == value:
            return resolve(whole.group(1))
        return TEMPLATE.sub(lambda m: _as_text(resolve(m.group(1))), value)
    if isinstance(value, list):
        return [render(v, resolve) for v in value]
    if isinstance(value, dict):
        return {render(k, resolve) if isinstance(k, str) else k: render(v, resolve) for k, v in value.items()}
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def names_in(value: Any) -> Iterator[str]:
    """Every template name used in ``value``, in document order."""
    if isinstance(value, str):
        for match in TEMPLATE.finditer(value):
            yield match.group(1)
    elif isinstance(value, list):
        for item in value:
            yield from names_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from names_in(key)
            yield from names_in(item)
