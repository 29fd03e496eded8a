"""tests/url_builders.py hands the URL builders werkzeug compiled for one app's rules to the next
app's: they must build what builders compiled afresh build. This fails if werkzeug's builders start
to hold their rule or app, or its compile step changes its signature."""

from __future__ import annotations

from werkzeug.routing.rules import Rule

from tests import url_builders


def _arguments(rule: Rule) -> dict:
    values = {}
    for name, converter in rule._converters.items():
        if hasattr(converter, "items"):
            values[name] = sorted(converter.items)[-1]
        elif converter.regex == r"\d+":
            values[name] = 42
        else:
            values[name] = "a b/ü"
    return values


def test_the_suite_keeps_the_builders():
    assert Rule._compile_builder is url_builders._kept_builder


def test_a_kept_builder_builds_what_a_fresh_one_builds_for_every_rule(app):
    for rule in app.url_map.iter_rules():
        values = _arguments(rule)
        for append_unknown, extra in ((False, {}), (True, {"next": "/x?y"})):
            kept = url_builders._kept_builder(rule, append_unknown).__get__(rule)
            fresh = url_builders._compile_builder(rule, append_unknown).__get__(rule)
            assert kept(**values, **extra) == fresh(**values, **extra), rule.rule


def test_the_next_app_gets_the_same_builders(app):
    from app import create_app

    again = create_app(app.config["KEYSHOP"])
    first = {(rule.endpoint, rule.rule): rule for rule in app.url_map.iter_rules()}
    for rule in again.url_map.iter_rules():
        before = first[rule.endpoint, rule.rule]
        assert rule._build.__func__ is before._build.__func__, rule.rule
        assert rule._build_unknown.__func__ is before._build_unknown.__func__, rule.rule
