"""Staff's Markdown as HTML that cannot carry script: markdown-it with raw HTML off, then nh3 (an
allow-list sanitiser) over the result, so a mistake in either still leaves the other standing."""

from __future__ import annotations

from html import unescape

import nh3
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render(markdown: str) -> str:
    html = _PARSER.render(markdown)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain(markdown: str) -> str:
    """The words alone, for the search index and snippets."""
    return unescape(nh3.clean(render(markdown), tags=set()))
