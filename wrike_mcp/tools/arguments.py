"""Argument checks, before anything else happens: the schema, then Wrike's id rules, then the path variant.

The SDK's low-level server does not validate arguments (mcp-sdk.md §1.2), so this is the only gate.
Every failure is a `ToolInputError` whose message names the parameter and says what to fix, in words an
agent can act on; nothing is sent upstream for a call that fails here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wrike_mcp.errors import ToolInputError
from wrike_mcp.manifest.model import PLACEHOLDER, ParamSpec, ToolSpec

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# [C] wrike-api.md §3.4: ids are opaque, up to 256 characters of [A-Za-z0-9-_:.=].
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:=-]{1,256}$")
MAX_ERRORS = 3
_SHOWN_VALUE = 40


@dataclass(frozen=True)
class ValidArguments:
    """Arguments that passed every check, with the chosen path template and decoded raw bodies."""

    values: dict[str, Any]
    path: str
    raw: dict[str, bytes] = field(default_factory=dict)


class ArgumentValidator:
    """A tool's JSON Schema validator, compiled at the tool's first call.

    Importing jsonschema and compiling a validator per tool is start-up time a desktop client waits for
    (bench/RESULTS.md, cold start), and a session calls a handful of the tools it lists.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._compiled: Draft202012Validator | None = None

    def iter_errors(self, instance: Mapping[str, Any]) -> Iterator[ValidationError]:
        if self._compiled is None:
            from jsonschema import Draft202012Validator

            self._compiled = Draft202012Validator(self.schema)
        errors: Iterator[ValidationError] = self._compiled.iter_errors(instance)
        return errors


def make_validator(schema: Mapping[str, Any]) -> ArgumentValidator:
    return ArgumentValidator(schema)


def validate_arguments(
    tool: ToolSpec, validator: ArgumentValidator, arguments: Mapping[str, Any] | None
) -> ValidArguments:
    values = dict(arguments or {})
    _check_names(tool, values)
    problems = [_describe(error) for error in _first_errors(validator, values)]
    if problems:
        raise ToolInputError("; ".join(problems))
    for param in tool.params:
        if param.name in values:
            _check_ids(param, values[param.name])
    raw = {
        p.name: _decode_base64(p, values[p.name])
        for p in tool.params
        if p.location == "raw" and p.name in values
    }
    path = choose_path(tool, values)
    _check_variant_params(tool, values, path)
    return ValidArguments(values, path, raw)


def choose_path(tool: ToolSpec, values: Mapping[str, Any]) -> str:
    """The path template whose placeholders are exactly the path parameters given."""
    given = {p.name for p in tool.params if p.location == "path" and p.name in values}
    templates = (tool.path, *tool.alt_paths)
    for template in templates:
        if set(PLACEHOLDER.findall(template)) == given:
            return template
    options = "; ".join(" + ".join(sorted(PLACEHOLDER.findall(t))) or "none of them" for t in templates)
    if not given:
        raise ToolInputError(f"say where: give one of {options}")
    shown = ", ".join(sorted(given))
    raise ToolInputError(
        f"these location parameters cannot be combined: {shown}; give exactly one of: {options}"
    )


def _check_variant_params(tool: ToolSpec, values: Mapping[str, Any], path: str) -> None:
    """Refuse a parameter that Wrike accepts only on another path variant of this tool."""
    for param in tool.params:
        if param.paths and param.name in values and path not in param.paths:
            needs = " or ".join(
                " + ".join(sorted(PLACEHOLDER.findall(template))) or "no location id"
                for template in param.paths
            )
            raise ToolInputError(f"{param.name}: only works with {needs}; drop it or change the ids you give")


def _check_names(tool: ToolSpec, values: Mapping[str, Any]) -> None:
    declared = {p.name for p in tool.params}
    unknown = sorted(str(name) for name in values if name not in declared)
    if unknown:
        accepted = ", ".join(sorted(declared)) or "no parameters"
        names = ", ".join(repr(_shorten(name)) for name in unknown[:5])
        raise ToolInputError(f"unknown parameter(s) {names}; this tool accepts: {accepted}")
    missing = [p.name for p in tool.params if p.required and p.name not in values]
    if missing:
        raise ToolInputError(f"missing required parameter(s): {', '.join(missing)}")


def _first_errors(validator: ArgumentValidator, values: Mapping[str, Any]) -> Iterator[ValidationError]:
    for count, error in enumerate(validator.iter_errors(values)):
        if count >= MAX_ERRORS:
            return
        yield error


def _describe(error: ValidationError) -> str:
    where = _location(error)
    expected = error.validator_value
    keyword = str(error.validator)
    what = {
        "type": lambda: f"must be {_article(expected)}",
        "enum": lambda: "must be one of: " + ", ".join(str(v) for v in expected),
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
        "exclusiveMinimum": lambda: f"must be greater than {expected}",
        "exclusiveMaximum": lambda: f"must be less than {expected}",
        "minLength": lambda: f"must be at least {expected} characters long",
        "maxLength": lambda: f"must be at most {expected} characters long",
        "pattern": lambda: f"must match the pattern {expected}",
        "minItems": lambda: f"needs at least {expected} item(s)",
        "maxItems": lambda: f"takes at most {expected} items; split the call",
        "required": lambda: f"is missing {error.message.split(' is a required')[0]}",
        "additionalProperties": lambda: "has a key that is not allowed: " + _unexpected(error),
    }.get(keyword, lambda: _shorten(error.message, 120))()
    return f"parameter {where} {what}"


def _location(error: ValidationError) -> str:
    parts = list(error.absolute_path)
    text = str(parts[0]) if parts else "(arguments)"
    for part in parts[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return repr(text) if parts else text


def _unexpected(error: ValidationError) -> str:
    instance = error.instance if isinstance(error.instance, dict) else {}
    allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    extra = sorted(str(key) for key in instance if key not in allowed)
    return ", ".join(repr(_shorten(key)) for key in extra[:5]) + (
        f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""
    )


def _article(expected: Any) -> str:
    name = {"object": "an object", "array": "an array", "integer": "an integer"}.get(str(expected))
    return name or f"a {expected}"


def _check_ids(param: ParamSpec, value: Any) -> None:
    """Every id is an opaque Wrike id: no `/`, no `..`, no whitespace, no empty path segment."""
    if param.location == "path" and value in ("", []):
        raise ToolInputError(f"parameter {param.name!r} must not be empty")
    if param.type == "id" or (param.location == "path" and param.type == "string"):
        _check_id(param.name, value)
    elif param.type == "ids" or (param.type == "array" and param.items == "id"):
        for index, item in enumerate(value):
            _check_id(f"{param.name}[{index}]", item)


def _check_id(where: str, value: Any) -> None:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value) or set(value) == {"."}:
        raise ToolInputError(
            f"parameter {where!r} is not a valid Wrike id ({_shorten(repr(value))}): use the id exactly as "
            "Wrike returned it, 1-256 characters of letters, digits and . _ : = -"
        )


def _decode_base64(param: ParamSpec, value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise ToolInputError(
            f"parameter {param.name!r} must be standard base64 (A-Z, a-z, 0-9, +, /, =)"
        ) from None


def _shorten(text: str, limit: int = _SHOWN_VALUE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
