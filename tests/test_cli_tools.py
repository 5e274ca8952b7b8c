"""`wrike-mcp tools`: the tools a configuration exposes, with the same flags and settings as `serve`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wrike_mcp.cli import main
from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.tools.native import native_specs

CATALOGUE = (*load_catalog().tools, *native_specs(load_catalog()))  # as serve lists them
WORKFLOW_ADMIN_ONLY = {t.name for t in CATALOGUE if set(t.scopes) <= {"amReadWriteWorkflow"}}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WRIKE_ACCESS_TOKEN", "WRIKE_SCOPES", "WRIKE_READ_ONLY", "WRIKE_TOOLSETS", "WRIKE_HOST"):
        monkeypatch.delenv(name, raising=False)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    assert main(["tools", "--json", *argv]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_the_table_shows_name_area_access_scopes_and_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "AREA", "ACCESS", "SCOPES", "ANNOTATIONS"]
    delete_task = next(line.split() for line in lines if line.startswith("delete_task "))
    assert delete_task == [
        "delete_task",
        "tasks",
        "write",
        "Default,wsReadWrite",
        "destructive,idempotent,openWorld",
    ]
    assert lines[-1] == f"{len(lines) - 2} tools"


def test_without_settings_the_default_scope_decides(capsys: pytest.CaptureFixture[str]) -> None:
    names = {row["name"] for row in run_json(capsys)}
    assert "create_task" in names and "search_tasks" in names
    assert names.isdisjoint(WORKFLOW_ADMIN_ONLY | {"get_user", "update_user"})


def test_wrike_scopes_narrow_the_listing_to_reads(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRIKE_SCOPES", "wsReadOnly")
    rows = run_json(capsys)
    assert rows and all(row["access"] == "read" for row in rows)
    assert all("wsReadOnly" in row["scopes"] for row in rows)


def test_read_only_and_toolsets_combine(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--read-only", "--toolsets", "tasks,comments")
    assert {row["area"] for row in rows} == {"tasks", "comments"}
    assert all(row["access"] == "read" and row["annotations"]["readOnlyHint"] for row in rows)


def test_sandbox_flag_lists_what_the_sandbox_token_may_use(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--sandbox", "--sandbox-token", "workflow_admin")
    assert {row["name"] for row in rows} == {
        t.name for t in CATALOGUE if {"amReadOnlyWorkflow", "amReadWriteWorkflow"} & set(t.scopes)
    }


def test_all_includes_hidden_tools_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--all", "--read-only")
    assert len(rows) == len(CATALOGUE)
    hidden = {row["name"]: row["reason"] for row in rows if not row["exposed"]}
    assert hidden["create_task"] == "read_only"
    assert hidden["get_user"] == "scope"


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--toolsets", "taskz"], {}, "unknown toolset 'taskz'; choose from: all, attachments"),
        ([], {"WRIKE_SCOPES": "Default,wsEverything"}, "unknown Wrike scope(s): wsEverything"),
        (["--sandbox", "--sandbox-token", "root"], {}, "unknown sandbox token 'root'"),
    ],
)
def test_bad_settings_exit_2_with_the_fix(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["tools", *argv]) == 2
    assert expected in capsys.readouterr().err
