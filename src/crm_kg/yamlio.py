"""Hand-edited YAML inputs (data/curated, data/reference) with line numbers.

``load(path)`` returns plain dicts and lists whose mappings remember where
they came from (``.line``), and ``check(node, schema)`` rejects unknown keys
and wrong types with ``file:line: message`` — a typo in a curated file fails
the build with one clear line instead of silently dropping a fact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import CrmKgError


class InputError(CrmKgError):
    """A hand-edited input file is malformed."""


class Mapping(dict):
    """A dict that knows its file and line, and each key's line."""

    file: str = "?"
    line: int = 0
    key_lines: dict

    def where(self, key: str | None = None) -> str:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return f"{self.file}:{line}"


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    loader.flatten_mapping(node)
    mapping = Mapping()
    mapping.file = loader.name
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise InputError(f"{loader.name}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path: Path) -> Any:
    """Parse a YAML file; syntax errors become one-line InputErrors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    loader = _Loader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(f"{path}:{mark.line + 1 if mark else '?'}: {exc.problem}") from None
    finally:
        loader.dispose()


_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool,
          "list": list, "dict": dict, "any": object}


def check(node: Any, schema: dict, what: str = "entry") -> None:
    """Check a mapping against ``{key: "type" | ("type", required)}``.

    Types: str, int, float, bool, list, dict, any; suffix ``?`` allows null.
    Keys not in the schema are errors (they are usually typos).
    """
    if not isinstance(node, Mapping):
        raise InputError(f"{getattr(node, 'file', '?')}: {what} must be a mapping")
    for key in node:
        if key not in schema:
            allowed = ", ".join(sorted(schema))
            raise InputError(f"{node.where(key)}: unknown key {key!r} in {what} (allowed: {allowed})")
    for key, spec in schema.items():
        type_name, required = spec if isinstance(spec, tuple) else (spec, False)
        nullable = type_name.endswith("?")
        type_name = type_name.rstrip("?")
        if key not in node:
            if required:
                raise InputError(f"{node.where()}: {what} lacks required key {key!r}")
            continue
        value = node[key]
        if value is None and (nullable or not required):
            continue
        expected = _TYPES[type_name]
        if isinstance(value, bool) and type_name in ("int", "float"):
            ok = False
        else:
            ok = isinstance(value, expected)
        if not ok:
            raise InputError(f"{node.where(key)}: {key!r} must be {type_name}, got {type(value).__name__} {value!r}")
