"""The audit log: one JSON line per decision and call, hash-chained, and never a secret.

A record has exactly these fields, in this order:

    ts, agent, caller, tool, area, access, target_ids, decision, reason, upstream_status, attempts,
    latency_ms, request_id, prev, hash

`caller` is a salted HMAC of the caller's identity (an agent key, a user id), never the identity.
`target_ids` holds only the values of id parameters. There is no field for other arguments: what an
agent wrote in a comment or a title cannot reach the log, because the record type has nowhere to put it.
A redaction pass then removes anything that looks like a credential (a bearer token, an agent key
`wmcp_...`, a sandbox token, a JWT, or any secret registered with `add_secret`) from every string.

`hash` is the SHA-256 of the record's canonical JSON (sorted keys, no spaces) without `hash`; `prev` is
the previous record's hash (64 zeros for the first record ever). So editing, removing, inserting or
reordering a record breaks the chain, which `verify_files` (and `wrike-mcp audit verify`) reports with
the first bad line. The file sink rotates by size into numbered files (`audit.log.000001`, ...); the
chain runs on across them, so verifying them in order checks the whole history.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets as secrets_module
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from wrike_mcp.clock import Clock
from wrike_mcp.config import Settings
from wrike_mcp.manifest.model import ToolSpec

GENESIS = "0" * 64
FIELDS = (
    "ts", "agent", "caller", "tool", "area", "access", "target_ids", "decision", "reason",
    "upstream_status", "attempts", "latency_ms", "request_id", "prev", "hash",
)  # fmt: skip
REDACTED = "[redacted]"
MAX_TARGET_IDS = 100
# [I] our choice: Wrike ids seen so far are at most 24 characters; a longer "id" is more likely a secret.
MAX_ID_LENGTH = 64
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9._:=-]{1,256}$")
_SECRET_PATTERNS = re.compile(
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]+"  # an Authorization header value (RFC 6750 token68)
    r"|wmcp_[A-Za-z0-9_-]+"  # our agent keys
    r"|sbx_[0-9a-f]{16,}"  # the sandbox's tokens
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?"  # JWTs: Wrike permanent tokens
)


@dataclass(frozen=True)
class AuditEvent:
    """What the server knows about one decision or call. Only ids and outcome: no argument values."""

    agent: str
    caller_identity: str  # hashed before it is written; never stored as given
    tool: str
    area: str
    access: str  # "read" or "write"
    decision: Literal["allow", "deny"]
    reason: str = ""
    target_ids: tuple[str, ...] = ()
    upstream_status: int | None = None
    attempts: int = 0
    latency_ms: float = 0.0
    request_id: str = ""


def target_ids(tool: ToolSpec, arguments: Mapping[str, Any]) -> tuple[str, ...]:
    """The values of the tool's id parameters (type id/ids, or arrays of ids), and nothing else."""
    found: list[str] = []
    for param in tool.params:
        if not (param.type in ("id", "ids") or param.items == "id") or param.name not in arguments:
            continue
        value = arguments[param.name]
        values = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
        found.extend(v for v in values if isinstance(v, str))
    return tuple(found)


class Redactor:
    """Removes credentials from strings: by shape (patterns above) and by value (registered secrets)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if len(secret) >= 8:  # shorter values would redact ordinary words
            self._secrets.add(secret)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return _SECRET_PATTERNS.sub(REDACTED, value)

    def ids(self, values: Iterable[str]) -> list[str]:
        """Only values shaped like Wrike ids and not like secrets; the rest are dropped, not masked."""
        kept = [
            v
            for v in values
            if _ID.fullmatch(v) and len(v) <= MAX_ID_LENGTH and self.text(v) == v and set(v) != {"."}
        ]
        return kept[:MAX_TARGET_IDS]


class Sink(Protocol):
    def write(self, line: str) -> None: ...

    def close(self) -> None: ...


class StreamSink:
    """Writes each line to a text stream (stderr): for log collectors, not for verification."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, line: str) -> None:
        self._stream.write(line)
        self._stream.flush()

    def close(self) -> None:
        pass


class RotatingFileSink:
    """Appends to `path`; when a line would take it past `max_bytes`, the file is renamed to the next
    free `path.NNNNNN` and a new one begins. Old files are never rewritten or deleted here."""

    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes < 1024:
            raise ValueError("max_bytes must be at least 1024")
        self.path = path
        self.max_bytes = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        if _has_partial_tail(path):
            self._rotate()  # keep the damaged file as evidence; the chain resumes from its last good line
        self._file = path.open("a", encoding="utf-8")

    def last_hash(self) -> str | None:
        """The hash to chain onto: the last complete record of the active file or else the newest
        rotated file; None when there is no history."""
        for candidate in [self.path, *reversed(rotated_files(self.path))]:
            found = _last_record_hash(candidate)
            if found is not None:
                return found
        return None

    def write(self, line: str) -> None:
        size = self._file.tell()
        if size and size + len(line.encode("utf-8")) > self.max_bytes:
            self._file.close()
            self._rotate()
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(line)
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def _rotate(self) -> None:
        existing = rotated_files(self.path)
        number = int(existing[-1].name.rsplit(".", 1)[1]) + 1 if existing else 1
        self.path.rename(self.path.with_name(f"{self.path.name}.{number:06d}"))


def rotated_files(path: Path) -> list[Path]:
    """The rotated files of an audit log, oldest first: `audit.log.000001`, `audit.log.000002`, ..."""
    pattern = re.compile(re.escape(path.name) + r"\.\d{6}$")
    return sorted(p for p in path.parent.glob(path.name + ".*") if pattern.fullmatch(p.name))


class AuditLog:
    """Chains and writes records. Safe to share between threads and tasks: one lock around each write."""

    def __init__(
        self,
        clock: Clock,
        caller_salt: bytes,
        sinks: Iterable[Sink] = (),
        secrets: Iterable[str] = (),
    ) -> None:
        self._clock = clock
        self._salt = caller_salt
        self._sinks = list(sinks)
        self._redactor = Redactor(secrets)
        self._lock = threading.Lock()
        self._prev = next(
            (h for s in self._sinks if isinstance(s, RotatingFileSink) and (h := s.last_hash())), GENESIS
        )

    @classmethod
    def to_file(
        cls, clock: Clock, caller_salt: bytes, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
        stream: TextIO | None = None,
    ) -> AuditLog:  # fmt: skip
        sinks: list[Sink] = [RotatingFileSink(path, max_bytes)]
        if stream is not None:
            sinks.append(StreamSink(stream))
        return cls(clock, caller_salt, sinks)

    def add_secret(self, secret: str) -> None:
        """Redact this exact value wherever it appears (an operator token known at start-up)."""
        with self._lock:
            self._redactor.add(secret)

    def caller_hash(self, identity: str) -> str:
        return hmac.new(self._salt, identity.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def record(self, event: AuditEvent) -> dict[str, Any]:
        """Write one record to every sink and return it as written."""
        with self._lock:
            record = self._build(event)
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
            for sink in self._sinks:
                sink.write(line)
            self._prev = record["hash"]
            return record

    def close(self) -> None:
        with self._lock:
            for sink in self._sinks:
                sink.close()

    def _build(self, event: AuditEvent) -> dict[str, Any]:
        text = self._redactor.text
        record: dict[str, Any] = {
            "ts": _iso_millis(self._clock.now()),
            "agent": text(event.agent),
            "caller": self.caller_hash(event.caller_identity),
            "tool": text(event.tool),
            "area": text(event.area),
            "access": text(event.access),
            "target_ids": self._redactor.ids(event.target_ids),
            "decision": "allow" if event.decision == "allow" else "deny",
            "reason": text(event.reason),
            "upstream_status": event.upstream_status,
            "attempts": int(event.attempts),
            "latency_ms": round(float(event.latency_ms), 1),
            "request_id": text(event.request_id),
            "prev": self._prev,
        }
        record["hash"] = record_hash(record)
        return record


def open_audit(settings: Settings, clock: Clock, stream: TextIO | None = None) -> AuditLog | None:
    """The audit log the settings ask for (a file, stderr, or both), or None when neither is set.

    Without WRIKE_MCP_AUDIT_SALT the caller hashes use a random salt per process: they still tell callers
    apart within one run, and cannot be linked across runs (set the salt to compare them over time).
    """
    if settings.audit_file is None and not settings.audit_stderr:
        return None
    salt = settings.audit_salt or secrets_module.token_bytes(32)
    sinks: list[Sink] = []
    if settings.audit_file is not None:
        sinks.append(RotatingFileSink(settings.audit_file, settings.audit_max_bytes))
    if settings.audit_stderr and stream is not None:
        sinks.append(StreamSink(stream))
    return AuditLog(clock, salt, sinks)


def record_hash(record: Mapping[str, Any]) -> str:
    body = {key: value for key, value in record.items() if key != "hash"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _iso_millis(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _tail(path: Path, size: int = 65536) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            end = handle.tell()
            handle.seek(max(0, end - size))
            return handle.read()
    except FileNotFoundError:
        return b""


def _has_partial_tail(path: Path) -> bool:
    tail = _tail(path, 1)
    return bool(tail) and not tail.endswith(b"\n")


def _last_record_hash(path: Path) -> str | None:
    lines = [line for line in _tail(path).split(b"\n") if line.strip()]
    for raw in reversed(lines):
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("hash"), str):
            return str(value["hash"])
    return None


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking a chain: `problem` names the first bad file and line, or is empty."""

    records: int
    last_hash: str
    from_genesis: bool
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_files(paths: Iterable[Path], *, partial: bool = False) -> VerifyReport:
    """Check records and the chain across files given oldest first.

    Without `partial`, the first record must start the chain (prev = 64 zeros): a log whose beginning is
    missing fails. With it, the chain may start anywhere (for checking the newest files of a long log).
    Removing records from the very end leaves a shorter valid chain; compare `last_hash` with a copy kept
    elsewhere to detect that.
    """
    expected: str | None = None if partial else GENESIS
    count, last, first_prev = 0, GENESIS, None
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return VerifyReport(count, last, first_prev == GENESIS, f"{path}: cannot read: {exc.strerror}")
        lines = data.split(b"\n")
        truncated = lines[-1] != b""
        for number, raw in enumerate(lines if truncated else lines[:-1], start=1):
            why = _check_line(raw, expected, truncated and number == len(lines))
            if why:
                return VerifyReport(count, last, first_prev == GENESIS, f"{path}:{number}: {why}")
            record = json.loads(raw)
            first_prev = record["prev"] if first_prev is None else first_prev
            expected = last = record["hash"]
            count += 1
    return VerifyReport(count, last, first_prev in (None, GENESIS))


def _check_line(raw: bytes, expected_prev: str | None, last_unterminated: bool) -> str:
    """Why this line breaks the log, or "" when it is a sound link of the chain."""
    if last_unterminated:
        return "the last line is cut short (truncated write or tampering)"
    try:
        record = json.loads(raw)
    except ValueError:
        return "not a JSON record (edited or truncated)"
    if not isinstance(record, dict) or set(record) != set(FIELDS):
        return "not an audit record (fields added, removed or renamed)"
    if record["hash"] != record_hash(record):
        return "the record does not match its hash (edited)"
    if expected_prev is not None and record["prev"] != expected_prev:
        if expected_prev == GENESIS:
            return "the chain does not start here (earlier records or files are missing; see --partial)"
        return "prev does not match the previous record's hash (a record was removed, inserted or reordered)"
    return ""
