"""The languages keyshop speaks to buyers. An order keeps the one it was placed in."""

from __future__ import annotations

LANGUAGES = ("en", "de", "zh")
NAMES = {"en": "English", "de": "Deutsch", "zh": "中文"}


def in_language(table: dict[str, dict[str, str]], language: str, key: str, **values) -> str:
    """`key` from a table of words per language, in `language` where the table has it, else in English."""
    return table.get(language, table["en"]).get(key, table["en"][key]).format(**values)


def language_of(requested: str | None) -> str:
    """The supported language closest to a request ("zh-CN" -> "zh"); English otherwise."""
    base = (requested or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else "en"
