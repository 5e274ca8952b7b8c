"""Load and validate `tool_manifests/*.toml` into one catalogue.

A broken manifest does not load: the error names the file and the entry, so the fix is obvious.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from wrike_mcp.errors import ManifestError
from wrike_mcp.manifest.model import ManifestFile, ToolSpec


def default_manifest_dir() -> Path:
    """Inside an installed wheel the manifests ship in the package; in a checkout they sit beside it."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "tool_manifests", package.parent / "tool_manifests"):
        if candidate.is_dir():
            return candidate
    raise ManifestError("tool_manifests", "-", "no tool_manifests directory found")


@dataclass(frozen=True)
class Catalog:
    """Every tool, in a stable order (by area file, then as written), and each area's blurb."""

    tools: tuple[ToolSpec, ...]
    areas: dict[str, str]

    def by_name(self) -> dict[str, ToolSpec]:
        return {tool.name: tool for tool in self.tools}


def load_catalog(directory: Path | None = None) -> Catalog:
    directory = directory or default_manifest_dir()
    tools: list[ToolSpec] = []
    areas: dict[str, str] = {}
    origins: dict[str, str] = {}  # tool name -> the file that declared it
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ManifestError(str(directory), "-", "no manifest files")
    for path in files:
        manifest = _load_file(path)
        areas[manifest.area] = manifest.description
        _check_unique(manifest.tools, path.name, origins)
        tools.extend(t if t.area else t.model_copy(update={"area": manifest.area}) for t in manifest.tools)
    return Catalog(tuple(tools), areas)


def _load_file(path: Path) -> ManifestFile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(path.name, "-", f"cannot read: {exc}") from exc
    try:
        return ManifestFile.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(path.name, _entry_of(raw, exc), _first_error(exc)) from exc


def _entry_of(raw: dict[str, object], exc: ValidationError) -> str:
    for error in exc.errors():
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] == "tools" and isinstance(loc[1], int):
            tools = raw.get("tools")
            if isinstance(tools, list) and loc[1] < len(tools) and isinstance(tools[loc[1]], dict):
                return str(tools[loc[1]].get("name", f"tools[{loc[1]}]"))
            return f"tools[{loc[1]}]"
    return "-"


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"


def _check_unique(tools: tuple[ToolSpec, ...], file: str, origins: dict[str, str]) -> None:
    """Names are unique across every file; the error names the file that repeats one, and the first."""
    for tool in tools:
        if tool.name in origins:
            raise ManifestError(file, tool.name, f"duplicate tool name (also in {origins[tool.name]})")
        origins[tool.name] = file
