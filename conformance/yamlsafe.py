"""Safe YAML loading that remembers line numbers and refuses alias bombs.

Scenario errors must name the line, so every mapping and list keeps where it (and each key)
started. PyYAML shares aliased nodes instead of copying them, which hides a "billion laughs"
file until something walks the data; we measure the expanded size first and refuse large ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from conformance.errors import ScenarioFormatError

# A scenario has a few hundred nodes; 20,000 expanded nodes leaves room and stops bombs early.
MAX_EXPANDED_NODES = 20_000
MAX_FILE_BYTES = 1024 * 1024


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A list that knows its own line and the line of each item (1-based)."""

    line: int
    item_lines: list[int]


def _expanded_size(node: Node, memo: dict[int, int], stack: set[int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    if key in stack:  # a recursive alias: infinite when expanded
        return MAX_EXPANDED_NODES + 1
    stack.add(key)
    size = 1
    if isinstance(node, MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo, stack) + _expanded_size(v, memo, stack)
            if size > MAX_EXPANDED_NODES:
                break
    elif isinstance(node, SequenceNode):
        for item in node.value:
            size += _expanded_size(item, memo, stack)
            if size > MAX_EXPANDED_NODES:
                break
    stack.discard(key)
    memo[key] = size
    return size


def _construct_line_mapping(loader: Any, node: MappingNode) -> Iterator[LineDict]:
    """A mapping that carries its line and its keys' lines; a duplicate key is an error."""
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in data.key_lines:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {data.key_lines[key]})",
                key_node.start_mark,
            )
        data.key_lines[key] = key_node.start_mark.line + 1
        data[key] = loader.construct_object(value_node, deep=True)


def _construct_line_sequence(loader: Any, node: SequenceNode) -> Iterator[LineList]:
    """A list that carries its line and its items' lines."""
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader with line numbers: the reference behaviour, and the one that words every error."""


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_line_sequence)

# libyaml parses about ten times faster; the constructors (and so the data and line numbers) are
# the same Python code. Any problem is re-parsed by ``_LineLoader``, so what a file is refused for,
# and how the refusal is worded, never depends on whether libyaml is installed.
_FastLineLoader: Any = None
if hasattr(yaml, "CSafeLoader"):

    class _CLineLoader(yaml.CSafeLoader):
        """``_LineLoader`` on libyaml's parser."""

    _CLineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_mapping)
    _CLineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_line_sequence)
    _FastLineLoader = _CLineLoader

_FAST_SAFE: type | None = getattr(yaml, "CSafeLoader", None)


def safe_load(source: str | bytes) -> Any:
    """``yaml.safe_load`` through libyaml when present (a contract parses ten times faster).

    Whatever libyaml refuses is parsed again by PyYAML's own loader, which accepts or refuses it
    and words the error exactly as ``yaml.safe_load`` would.
    """
    if _FAST_SAFE is not None:
        try:
            return yaml.load(source, Loader=_FAST_SAFE)  # libyaml's SafeLoader
        except Exception:
            pass
    return yaml.safe_load(source)


def load_yaml(path: Path) -> Any:
    """Load one YAML document safely; any problem is a ``ScenarioFormatError`` with a line."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioFormatError(name, None, f"cannot read file: {exc.strerror}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioFormatError(name, None, f"file is larger than {MAX_FILE_BYTES} bytes")
    return loads(raw.decode("utf-8", errors="replace"), name=name)


def loads(text: str, *, name: str = "<string>") -> Any:
    """Parse YAML text; see ``load_yaml``."""
    if _FastLineLoader is not None:
        try:
            return _parse(_FastLineLoader, text, name)
        except Exception:  # refused (or libyaml failed): the reference loader decides and words it
            pass
    return _parse(_LineLoader, text, name)


def _parse(loader_class: Any, text: str, name: str) -> Any:
    """One document of ``text``: line-numbered data, or a ``ScenarioFormatError``."""
    loader = None
    try:
        loader = loader_class(text)  # the reader already refuses control characters
        node = loader.get_single_node()
        if node is None:
            raise ScenarioFormatError(name, 1, "the file is empty")
        if _expanded_size(node, {}, set()) > MAX_EXPANDED_NODES:
            raise ScenarioFormatError(
                name,
                node.start_mark.line + 1,
                f"document expands to more than {MAX_EXPANDED_NODES} nodes through aliases",
                suggestion="remove the anchors/aliases; scenarios never need them",
            )
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ScenarioFormatError(name, line, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioFormatError(name, None, f"invalid YAML: {exc}") from exc
    finally:
        if loader is not None:
            loader.dispose()


def line_of(data: Any, path: list[str | int]) -> int | None:
    """The line of the deepest node on ``path`` that has one (a key's own line where known)."""
    best: int | None = getattr(data, "line", None)
    node = data
    for part in path:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            best = node.key_lines.get(part, best)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_lines[part]
            node = node[part]
        else:
            break
        best = getattr(node, "line", None) if isinstance(node, LineDict | LineList) and best is None else best
    return best
