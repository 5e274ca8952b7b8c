"""`wrike-mcp config claude-desktop`: the printed block, and merging into an existing file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from wrike_mcp.cli import main
from wrike_mcp.commands.config import TOKEN_PLACEHOLDER


def _print_block(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["config", "claude-desktop", *args]) == 0
    block: dict[str, object] = json.loads(capsys.readouterr().out)
    return block


def test_sandbox_block_runs_serve_sandbox_with_an_absolute_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = _print_block(capsys, "--sandbox")["mcpServers"]["wrike"]  # type: ignore[index]
    assert Path(entry["command"]).is_absolute()
    assert entry["args"][-2:] == ["serve", "--sandbox"]
    assert "env" not in entry


def test_token_block_has_a_placeholder_unless_asked_to_copy_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _print_block(capsys)["mcpServers"]["wrike"]  # type: ignore[index]
    assert entry["env"] == {"WRIKE_ACCESS_TOKEN": TOKEN_PLACEHOLDER}
    monkeypatch.setenv("WRIKE_ACCESS_TOKEN", "perm-123")
    entry = _print_block(capsys, "--token-from-env")["mcpServers"]["wrike"]  # type: ignore[index]
    assert entry["env"] == {"WRIKE_ACCESS_TOKEN": "perm-123"}


def test_write_keeps_other_servers_and_settings_and_makes_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "claude_desktop_config.json"
    original = {"mcpServers": {"github": {"command": "gh-mcp", "args": []}}, "theme": "dark"}
    path.write_text(json.dumps(original))
    assert main(["config", "claude-desktop", "--sandbox", "--write", "--config-file", str(path)]) == 0
    merged = json.loads(path.read_text())
    assert merged["theme"] == "dark"
    assert merged["mcpServers"]["github"] == original["mcpServers"]["github"]
    assert merged["mcpServers"]["wrike"]["args"][-2:] == ["serve", "--sandbox"]
    assert json.loads(path.with_name(path.name + ".bak").read_text()) == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_writing_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "Claude" / "claude_desktop_config.json"
    args = ["config", "claude-desktop", "--sandbox", "--write", "--config-file", str(path)]
    assert main(args) == 0
    first = path.read_bytes()
    first_mtime = path.stat().st_mtime_ns
    assert not path.with_name(path.name + ".bak").exists(), "no backup for a file that did not exist"
    assert main(args) == 0
    assert path.read_bytes() == first
    assert path.stat().st_mtime_ns == first_mtime
    assert not path.with_name(path.name + ".bak").exists()


def test_a_broken_config_file_is_left_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text("{not json")
    assert main(["config", "claude-desktop", "--write", "--config-file", str(path)]) == 1
    assert path.read_text() == "{not json"
    assert "not valid JSON" in capsys.readouterr().err
