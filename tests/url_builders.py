"""Werkzeug writes, parses and compiles two Python functions for every URL rule of every app it
builds, to build that rule's URLs: about 150 rules, and more than half of creating a keyshop app.
The suite creates an app for nearly every test, and in every worker and web process it starts.

The functions are pure: they take the rule as their first argument and hold nothing of it (no
closure, no globals), and their code follows from the rule's parts, its defaults and whether unknown
arguments are appended. So each test process, and the warm fork server, keeps them by that key and
hands the same function to the same rule of the next app. A rule with other parts or defaults is a
new key and is compiled as werkzeug compiles it."""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_BUILDERS: dict[tuple, object] = {}
_compile_builder = Rule._compile_builder


def _key(rule: Rule, append_unknown: bool) -> tuple:
    converters = tuple((name, type(c).__qualname__, _settings(c)) for name, c in rule._converters.items())
    defaults = tuple(sorted((rule.defaults or {}).items(), key=lambda item: item[0]))
    return rule.rule, tuple(rule._trace), converters, repr(defaults), append_unknown


def _settings(converter) -> str:
    return repr(sorted((name, repr(value)) for name, value in vars(converter).items() if name != "map"))


def _kept_builder(rule: Rule, append_unknown: bool = True):
    key = _key(rule, append_unknown)
    if key not in _BUILDERS:
        _BUILDERS[key] = _compile_builder(rule, append_unknown)
    return _BUILDERS[key]


def install() -> None:
    Rule._compile_builder = _kept_builder
