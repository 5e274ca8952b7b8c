"""The audit log: hash-chained records across rotated files, verification that catches each kind of
tampering, and no token or argument value in any record."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import threading
from pathlib import Path

import pytest

from wrike_mcp.audit import (
    FIELDS,
    GENESIS,
    AuditEvent,
    AuditLog,
    RotatingFileSink,
    StreamSink,
    record_hash,
    rotated_files,
    target_ids,
    verify_files,
)
from wrike_mcp.clock import FakeClock
from wrike_mcp.manifest import ToolSpec
from wrike_mcp.policy.keys import generate_key

SALT = b"test-salt"


def _event(n: int = 0, **changes: object) -> AuditEvent:
    base = AuditEvent(
        agent="project-bot", caller_identity=f"user-{n % 3}", tool="update_task", area="tasks",
        access="write", decision="allow" if n % 4 else "deny", reason="" if n % 4 else "outside the subtree",
        target_ids=(f"MAAAAA{n:06d}",), upstream_status=200 if n % 4 else None, attempts=1 if n % 4 else 0,
        latency_ms=12.345, request_id=f"req-{n}",
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _write(path: Path, count: int, clock: FakeClock | None = None, max_bytes: int = 4096) -> AuditLog:
    log = AuditLog.to_file(clock or FakeClock(), SALT, path, max_bytes=max_bytes)
    for n in range(count):
        log.record(_event(n))
        if clock:
            clock.advance(0.25)
    log.close()
    return log


def _all_files(path: Path) -> list[Path]:
    return [*rotated_files(path), path]


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for f in _all_files(path) for line in f.read_text().splitlines()]


def test_records_have_exactly_the_documented_fields_and_chain(tmp_path: Path) -> None:
    clock = FakeClock(start=1_790_000_000.5)
    path = tmp_path / "audit.log"
    _write(path, 5, clock, max_bytes=1_000_000)
    records = _records(path)
    assert all(list(r) == list(FIELDS) for r in records)
    assert records[0]["prev"] == GENESIS
    assert all(r["prev"] == p["hash"] for p, r in itertools.pairwise(records))
    assert all(r["hash"] == record_hash(r) for r in records)
    assert records[0]["ts"] == "2026-09-21T14:13:20.500Z"
    assert records[1]["ts"] == "2026-09-21T14:13:20.750Z"
    assert records[1]["latency_ms"] == 12.3 and records[1]["target_ids"] == ["MAAAAA000001"]


def test_verify_passes_on_a_long_log_across_rotated_files(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    _write(path, 300, FakeClock(), max_bytes=8192)
    files = _all_files(path)
    assert len(files) > 5 and all(f.stat().st_size <= 8192 for f in files)
    first_of_second = json.loads(files[1].read_text().splitlines()[0])
    assert first_of_second["prev"] == json.loads(files[0].read_text().splitlines()[-1])["hash"]
    report = verify_files(files)
    assert report.ok and report.records == 300 and report.from_genesis
    assert report.last_hash == _records(path)[-1]["hash"]


def test_a_restarted_log_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    _write(path, 10)
    _write(path, 10)
    assert verify_files(_all_files(path)).records == 20


def test_a_restart_after_rotation_chains_onto_the_newest_rotated_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    _write(path, 40, max_bytes=2048)
    path.unlink()  # as if the process stopped right after rotating
    _write(path, 3, max_bytes=2048)
    assert verify_files(_all_files(path)).ok


def _tamper_cases(path: Path) -> dict[str, list[Path]]:
    """Build one damaged copy of a good log per kind of tampering; returns the files to verify."""
    lines = path.read_text().splitlines(keepends=True)
    edited = json.loads(lines[3])
    edited["reason"] = "nothing to see"
    rehashed = dict(edited, hash=record_hash(edited))
    extra = json.dumps({**json.loads(lines[3]), "args": {"text": "hi"}}) + "\n"
    variants = {
        "edited": [*lines[:3], json.dumps(edited) + "\n", *lines[4:]],
        "edited and rehashed": [*lines[:3], json.dumps(rehashed) + "\n", *lines[4:]],
        "removed": [*lines[:3], *lines[4:]],
        "inserted": [*lines[:4], lines[2], *lines[4:]],
        "reordered": [*lines[:3], lines[4], lines[3], *lines[5:]],
        "truncated tail": [*lines[:-1], lines[-1][:40]],
        "not json": [*lines[:3], "{oops\n", *lines[4:]],
        "extra field": [*lines[:3], extra, *lines[4:]],
        "first removed": lines[1:],
    }
    out: dict[str, list[Path]] = {}
    for name, content in variants.items():
        damaged = path.with_name(name.replace(" ", "-") + ".log")
        damaged.write_text("".join(content))
        out[name] = [damaged]
    return out


@pytest.mark.parametrize(
    ("case", "line", "why"),
    [
        ("edited", 4, "the record does not match its hash (edited)"),
        ("edited and rehashed", 5, "prev does not match the previous record's hash"),
        ("removed", 4, "prev does not match the previous record's hash"),
        ("inserted", 5, "prev does not match the previous record's hash"),
        ("reordered", 4, "prev does not match the previous record's hash"),
        ("truncated tail", 10, "the last line is cut short"),
        ("not json", 4, "not a JSON record"),
        ("extra field", 4, "not an audit record"),
        ("first removed", 1, "the chain does not start here"),
    ],
)
def test_verify_finds_each_kind_of_tampering(tmp_path: Path, case: str, line: int, why: str) -> None:
    path = tmp_path / "audit.log"
    _write(path, 10, max_bytes=1_000_000)
    files = _tamper_cases(path)[case]
    report = verify_files(files)
    assert not report.ok
    assert report.problem.startswith(f"{files[0]}:{line}: {why}")


def test_verify_finds_a_missing_or_reordered_rotated_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    _write(path, 100, max_bytes=2048)
    files = _all_files(path)
    missing = verify_files(files[:2] + files[3:])
    assert missing.problem.startswith(f"{files[3]}:1: prev does not match")
    swapped = verify_files([files[1], files[0], *files[2:]])
    assert swapped.problem.startswith(f"{files[1]}:1: the chain does not start here")
    newest_only = verify_files(files[-2:], partial=True)
    assert newest_only.ok and not newest_only.from_genesis


def test_a_torn_last_line_is_kept_as_evidence_and_the_chain_resumes(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    _write(path, 5)
    good = path.read_text().splitlines(keepends=True)
    path.write_text("".join(good) + good[-1][:30])  # a crash mid-write
    _write(path, 2)
    files = _all_files(path)
    assert len(files) == 2
    assert "the last line is cut short" in verify_files(files).problem
    assert json.loads(files[1].read_text().splitlines()[0])["prev"] == json.loads(good[-1])["hash"]


TOKENS = {
    "bearer": "Bearer eyJ0dCI6InAiLCJhbGciOiJIUzI1NiJ9.eyJkIjoiMTIzIn0.c2lnbmF0dXJl",
    "jwt": "eyJ0dCI6InAiLCJhbGciOiJIUzI1NiJ9.eyJkIjoie1wiYVwiOjEyM30ifQ.c2lnbmF0dXJlX3BhcnQ",
    "agent key": generate_key().key,
    "sandbox": "sbx_a840c128d4ddbe907d8f85139ac894ade9e598cf",
    "registered": "opaque-operator-token-1234567890",
}


def test_no_token_ever_reaches_a_record_or_the_stream(tmp_path: Path) -> None:
    stream = io.StringIO()
    path = tmp_path / "audit.log"
    log = AuditLog(
        FakeClock(), SALT, [RotatingFileSink(path), StreamSink(stream)], secrets=[TOKENS["registered"]]
    )
    for token in TOKENS.values():
        log.record(
            AuditEvent(
                agent=f"bot {token}", caller_identity=token, tool=f"get_tasks {token}", area=token,
                access=token, decision="deny", reason=f"refused: token was {token}!",
                target_ids=("MAAAAAGOOD1", token), request_id=token,
            )
        )  # fmt: skip
    log.close()
    for text in (path.read_text(), stream.getvalue()):
        for token in TOKENS.values():
            assert token not in text
            assert token.split()[-1][:20] not in text
    records = _records(path)
    assert all(r["target_ids"] == ["MAAAAAGOOD1"] for r in records)
    assert records[0]["reason"] == "refused: token was [redacted]!"
    assert stream.getvalue() == path.read_text()
    assert verify_files([path]).ok


def test_the_caller_is_a_salted_hash_never_the_identity(tmp_path: Path) -> None:
    log = AuditLog(FakeClock(), SALT)
    other = AuditLog(FakeClock(), b"another-salt")
    first = log.record(_event(caller_identity="alice@example.com"))
    assert first["caller"] == log.record(_event(caller_identity="alice@example.com"))["caller"]
    assert first["caller"] != log.record(_event(caller_identity="bob@example.com"))["caller"]
    assert first["caller"] != other.record(_event(caller_identity="alice@example.com"))["caller"]
    assert "alice" not in json.dumps(first)


def test_target_ids_take_only_id_parameters() -> None:
    tool = ToolSpec.model_validate(
        {
            "name": "update_task", "description": "Update one task.", "method": "PUT",
            "path": "/tasks/{taskId}", "access": "write", "scopes": ["Default"],
            "annotations": {"read_only": False, "destructive": False, "idempotent": True, "open_world": True},
            "params": [
                {"name": "taskId", "in": "path", "type": "id", "description": "Task."},
                {"name": "taskIds", "in": "query", "type": "ids", "description": "Tasks."},
                {"name": "addParents", "in": "body", "type": "array", "items": "id", "description": "P."},
                {"name": "title", "in": "body", "type": "string", "description": "Title."},
                {"name": "tags", "in": "body", "type": "array", "items": "string", "description": "Tags."},
            ],
        }
    )  # fmt: skip
    arguments = {
        "taskId": "MAAAAA1", "taskIds": "MAAAAA2,MAAAAA3", "addParents": ["MQAAAA1"],
        "title": "MAAAAASECRET", "tags": ["MAAAAATAG"], "undeclared": "MAAAAAX",
    }  # fmt: skip
    assert target_ids(tool, arguments) == ("MAAAAA1", "MAAAAA2", "MAAAAA3", "MQAAAA1")


def test_the_record_type_has_no_place_for_argument_values() -> None:
    assert (
        "args" not in AuditEvent.__dataclass_fields__ and "arguments" not in AuditEvent.__dataclass_fields__
    )
    with pytest.raises(TypeError):
        AuditEvent(
            agent="a", caller_identity="c", tool="t", area="x", access="read", decision="allow", args={}
        )  # type: ignore[call-arg]


def test_concurrent_writers_keep_one_unbroken_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    log = AuditLog.to_file(FakeClock(), SALT, path, max_bytes=16384)

    def work(worker: int) -> None:
        for n in range(50):
            log.record(_event(worker * 100 + n))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    report = verify_files(_all_files(path))
    assert report.ok and report.records == 400
