"""Every word an admin page shows goes through gettext, so the admin reads in German and Chinese too:
a text node or a visible attribute with letters outside `{{ _(...) }}`, or an English phrase as a
bare string in a template expression, fails here with the template and the words. The exceptions
are listed with their reasons."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ADMIN_TEMPLATES = Path(__file__).resolve().parents[3] / "app" / "templates" / "admin"
JINJA_CONSTRUCT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
LETTERS = re.compile(r"[^\W\d_]{2,}")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")
VISIBLE_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt"}
UNREAD_ELEMENTS = {"code", "script", "style"}  # commands, file names and identifiers: typed, never translated
TRANSLATING_CALLS = {"_", "gettext", "ngettext"}
ALLOWED_WORDS = {"keyshop"}  # the software's name, in page titles
ALLOWED_TEXTS = {  # examples of values in placeholders, not words
    "keystore.code",  # the start of an audit action's identifier, which the filter matches
    "someone@shop",
    "fraud@example.com, @example.com, 203.0.113.0/24",
}


class _UntranslatedText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._unread_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in UNREAD_ELEMENTS:
            self._unread_depth += 1
        self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in VISIBLE_ATTRIBUTES and _has_words(value)]

    def handle_endtag(self, tag):
        if tag in UNREAD_ELEMENTS:
            self._unread_depth -= 1

    def handle_data(self, data):
        if not self._unread_depth and _has_words(data):
            self.found.append(data.strip())


def _has_words(text: str | None) -> bool:
    words = (text or "").strip()
    return words not in ALLOWED_TEXTS and bool(set(LETTERS.findall(words)) - ALLOWED_WORDS)


def untranslated_text(source: str) -> list[str]:
    """Text nodes and visible attributes with letters, once every Jinja construct is taken out."""
    parser = _UntranslatedText()
    parser.feed(JINJA_CONSTRUCT.sub(" ", source))
    parser.close()
    return parser.found


def untranslated_phrases(source: str) -> list[str]:
    """English phrases as string literals in expressions, outside _(), gettext() and ngettext()."""
    calls: list[str | None] = []
    previous: tuple[str, str] = ("", "")
    found = []
    for _line, kind, value in Environment().lex(source):
        if (kind, value) == ("operator", "("):
            calls.append(previous[1] if previous[0] == "name" else None)
        elif (kind, value) == ("operator", ")") and calls:
            calls.pop()
        elif kind == "string" and ENGLISH_PHRASE.search(value) and not (calls and calls[-1] in TRANSLATING_CALLS):
            found.append(value)
        if kind != "whitespace":
            previous = (kind, value)
    return found


def test_every_admin_template_passes_its_words_through_gettext():
    templates = sorted(ADMIN_TEMPLATES.glob("*.html"))
    assert len(templates) > 30
    bare = {
        path.name: untranslated_text(source) + untranslated_phrases(source)
        for path in templates
        if (source := path.read_text(encoding="utf-8"))
    }
    assert {name: words for name, words in bare.items() if words} == {}


def test_the_check_finds_a_bare_english_word_a_bare_attribute_and_a_bare_phrase():
    assert untranslated_text("<p>{{ _('Saved') }}</p><h1>Orders</h1>") == ["Orders"]
    assert untranslated_text('<input placeholder="reason"><input placeholder="{{ _(\'reason\') }}">') == ["reason"]
    assert untranslated_text("<p><code>keyshop check</code> {{ n }} · –</p>") == []
    assert untranslated_phrases('{{ "Dry run" if dry else _("Import done") }}') == ['"Dry run"']
    assert untranslated_phrases("{{ ngettext('%(num)s code left', '%(num)s codes left', n) }}") == []
