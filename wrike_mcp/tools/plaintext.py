"""HTML descriptions as plain text, for a tool's local `plainText` option.

Wrike stores task and folder descriptions as HTML ([C] wrike-api.md §5.1). Markup costs an agent
context tokens and says little, so on request the server turns each item's `description` into text:
block elements and `<br>` become line breaks (one per boundary, no blank lines: they cost tokens and
say nothing), list items get "- ", entities are decoded, scripts and styles are dropped. Comments
need none of this: Wrike's own `plainText=true` does it upstream.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

HTML_FIELDS = ("description",)
_BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                     "blockquote", "pre", "table"})  # fmt: skip
_SKIP = frozenset({"script", "style"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (line.strip() for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def plain_descriptions(shaped: dict[str, Any]) -> dict[str, Any]:
    """The envelope with every item's HTML fields turned into text (items are changed in place)."""
    for item in shaped.get("data", []):
        if isinstance(item, dict):
            for key in HTML_FIELDS:
                if isinstance(item.get(key), str):
                    item[key] = html_to_text(item[key])
    return shaped
