"""The dotted body-path language of assertions and captures.

``uuid``, ``a.b[0].c``, ``results[*].uuid`` (collects a list) and ``$`` (the whole body). It is
deliberately tiny: every path a scenario can write is obvious to a reader.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.errors import ToolError

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")
MISSING = object()


class BadPath(ToolError):
    """A path that cannot be parsed."""


def parse(path: str) -> list[str | int]:
    """Split a path into keys, indices and ``"*"`` wildcards."""
    if path in ("$", ""):
        return []
    parts: list[str | int] = []
    position = 0
    text = path[2:] if path.startswith("$.") else path
    while position < len(text):
        if text[position] == ".":
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if not match:
            raise BadPath(f"cannot parse body path {path!r} at position {position}")
        key, index = match.groups()
        if key is not None:
            parts.append(key)
        elif index == "*":
            parts.append("*")
        else:
            parts.append(int(index))
        position = match.end()
    return parts


def _walk(node: Any, parts: list[str | int]) -> Any:
    for position, part in enumerate(parts):
        if part == "*":
            if not isinstance(node, list):
                return MISSING
            rest = parts[position + 1 :]
            found = [_walk(item, rest) for item in node]
            return [item for item in found if item is not MISSING]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return MISSING
            node = node[part]
        else:
            if not isinstance(node, dict) or part not in node:
                return MISSING
            node = node[part]
    return node


def resolve(data: Any, path: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``path`` resolves in ``data``, else ``(False, None)``."""
    value = _walk(data, parse(path))
    if value is MISSING:
        return False, None
    return True, value
