"""The README stays true to the product: its opening commands and its tools table."""

from __future__ import annotations

from pathlib import Path

from wrike_mcp.manifest import load_catalog

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_install_and_run_and_the_test_commands() -> None:
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    assert block[0].endswith("wrike-mcp serve --sandbox")
    assert block[1].endswith("python -m pytest")


def test_readme_tools_table_names_every_tool_of_the_catalogue() -> None:
    missing = [tool.name for tool in load_catalog().tools if f"`{tool.name}`" not in README]
    assert missing == []
