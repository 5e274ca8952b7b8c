"""The manifest model and loader: the tool surface as data."""

from wrike_mcp.manifest.loader import Catalog, default_manifest_dir, load_catalog
from wrike_mcp.manifest.model import Annotations, ParamSpec, ToolSpec

__all__ = ["Annotations", "Catalog", "ParamSpec", "ToolSpec", "default_manifest_dir", "load_catalog"]
