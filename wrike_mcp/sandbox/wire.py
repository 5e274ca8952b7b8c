"""Wrike's wire conventions, as the sandbox speaks them.

- Parameters arrive in the query string, a form body or a JSON body, merged in that order; complex
  values in the query or a form are JSON literals (`fields=["description"]`). [C] wrike-api.md §2.1
- Success is `{"kind": ..., "data": [...]}` with `data` always an array. [C] §3.1
- Errors are `{"errorDescription": ..., "error": ...}` with Wrike's codes and statuses. [C] §3.2
- Page tokens are opaque; ours carry the offset and a digest of the query, so a follow-up request
  that does not repeat the original query is refused, as Wrike's guide warns. [I] §2.5
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

# Parameters every endpoint accepts on top of its own. `method` is Wrike's verb override for
# clients that can only send GET, `access_token` its token-in-a-parameter form. [C] §1.2, §2.1
UNIVERSAL_PARAMS = frozenset({"access_token", "state", "method"})

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP_Z_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ID_RE = re.compile(r"^[A-Za-z0-9._:=-]{1,256}$")


class WrikeError(Exception):
    """An error the sandbox answers with Wrike's error envelope."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description

    def response(self) -> JSONResponse:
        body = {"errorDescription": self.description, "error": self.code}
        return JSONResponse(body, status_code=self.status)


def invalid_parameter(name: str) -> WrikeError:
    return WrikeError(400, "invalid_parameter", f"Parameter '{name}' value is invalid")


def parameter_required(name: str) -> WrikeError:
    return WrikeError(400, "parameter_required", f"Parameter '{name}' is required")


def not_found(what: str = "Resource") -> WrikeError:
    return WrikeError(404, "resource_not_found", f"{what} not found")


def access_forbidden(description: str = "Access to requested entity is denied for user") -> WrikeError:
    return WrikeError(403, "access_forbidden", description)


def not_allowed(description: str) -> WrikeError:
    return WrikeError(403, "not_allowed", description)


def envelope(kind: str, data: Sequence[Any], **extra: Any) -> dict[str, Any]:
    """`{kind, [nextPageToken], [responseSize], data}`, in the key order Wrike uses."""
    body: dict[str, Any] = {"kind": kind}
    for key in ("nextPageToken", "responseSize", "state"):
        if extra.get(key) is not None:
            body[key] = extra[key]
    body["data"] = list(data)
    return body


class Params:
    """One request's parameters with typed, validating getters.

    Each getter raises Wrike's own 400 for a bad value, so endpoint code reads like the reference table.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        """Wrike answers 400 invalid_request for a parameter the endpoint does not support. [C] §3.2"""
        extra = sorted(set(self.raw) - set(allowed) - UNIVERSAL_PARAMS)
        if extra:
            raise WrikeError(400, "invalid_request", f"Parameter '{extra[0]}' is not supported")

    def _value(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None and required:
            raise parameter_required(name)
        return value

    def text(self, name: str, required: bool = False, *, non_empty: bool = False) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or (non_empty and not value.strip()):
            raise invalid_parameter(name)
        return value

    def enum(self, name: str, allowed: Iterable[str], required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is not None and value not in set(allowed):
            raise invalid_parameter(name)
        return value

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise invalid_parameter(name)

    def integer(self, name: str, *, lo: int | None = None, hi: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        try:
            number = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or (lo is not None and number < lo) or (hi is not None and number > hi):
            raise invalid_parameter(name)
        return number

    def number(self, name: str, required: bool = False) -> float | None:
        value = self._value(name, required)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise invalid_parameter(name) from None

    def literal(self, name: str, required: bool = False) -> Any:
        """A JSON literal in the query or a form, or a native value in a JSON body."""
        value = self._value(name, required)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise invalid_parameter(name) from None
        return value

    def array(self, name: str, required: bool = False, *, max_items: int = 1000) -> list[Any] | None:
        value = self.literal(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > max_items:
            raise invalid_parameter(name)
        return value

    def strings(self, name: str, required: bool = False, *, max_items: int = 1000) -> list[str] | None:
        """A JSON array of strings; a bare scalar is accepted as a one-item list, as Wrike does. [C3]"""
        value = self.raw.get(name)
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [value]
        items = self.array(name, required, max_items=max_items)
        if items is not None and not all(isinstance(item, str) for item in items):
            raise invalid_parameter(name)
        return items

    def obj(self, name: str, required: bool = False) -> dict[str, Any] | None:
        value = self.literal(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid_parameter(name)
        return value

    def fields(self, allowed: Iterable[str]) -> set[str]:
        """The `fields` opt-in list; an unknown field name is a 400. [I] §2.4"""
        names = self.strings("fields") or []
        unknown = set(names) - set(allowed)
        if unknown:
            raise invalid_parameter("fields")
        return set(names)


def split_ids(raw: str, *, max_ids: int = 100) -> list[str]:
    """A comma-separated id list from a path, at most `max_ids` (Wrike's limit is 100). [C] §2.2"""
    ids = [part for part in raw.split(",") if part]
    if not ids or len(ids) > max_ids or not all(ID_RE.match(i) for i in ids):
        raise WrikeError(400, "invalid_parameter", "Parameter 'ids' value is invalid")
    return ids


def query_digest(params: Params, paging_keys: Iterable[str] = ("nextPageToken", "pageSize")) -> str:
    """A digest of the filters of a query: what a page token must be repeated with."""
    skip = set(paging_keys) | UNIVERSAL_PARAMS
    canonical = json.dumps({k: v for k, v in sorted(params.raw.items()) if k not in skip}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def paginate(
    items: Sequence[Any], params: Params, *, default_size: int | None, max_size: int = 1000
) -> tuple[list[Any], dict[str, Any]]:
    """Slice one page and say what the envelope needs (`nextPageToken`, `responseSize`).

    `default_size=None` means "everything when no pageSize is given" (timelogs). [C] §2.5
    """
    digest = query_digest(params)
    token = params.text("nextPageToken")
    offset, size = 0, params.integer("pageSize", lo=1, hi=max_size)
    if token is not None:
        offset, token_size = _decode_token(token, digest)
        size = size or token_size
    if size is None:
        size = default_size if default_size is not None else max(len(items), 1)
    page = list(items[offset : offset + size])
    extra: dict[str, Any] = {}
    if params.integer("pageSize", lo=1, hi=max_size) is not None or token is not None:
        extra["responseSize"] = len(items)
    if offset + size < len(items):
        extra["nextPageToken"] = _encode_token(offset + size, size, digest)
        extra["responseSize"] = len(items)
    return page, extra


def _encode_token(offset: int, size: int, digest: str) -> str:
    raw = json.dumps([offset, size, digest]).encode()
    return "AG" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, digest: str) -> tuple[int, int]:
    try:
        body = token[2:] + "=" * (-len(token[2:]) % 4)
        offset, size, token_digest = json.loads(base64.urlsafe_b64decode(body))
        if not token.startswith("AG") or not isinstance(offset, int) or not isinstance(size, int):
            raise ValueError
    except (ValueError, TypeError):
        raise invalid_parameter("nextPageToken") from None
    if token_digest != digest:
        # The original query must be repeated with a page token. [C] guide, "Pagination"
        raise WrikeError(400, "invalid_parameter", "Parameter 'nextPageToken' does not match the query")
    return offset, size
