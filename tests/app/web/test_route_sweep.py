"""Every route, buyer's and staff's, found from the URL map, sent hostile values: NUL bytes, lone
surrogates, control characters, numbers no column holds, very long strings, and JSON of the wrong
type, in path segments, query args, form fields, file names and JSON bodies. Never a 5xx, and a
refused request (4xx) changes no row of any table. Field names are found in the views' own source,
so a new field is swept without anyone listing it. Two passes: a fixed list that puts each kind of
value in each place of each route, and hypothesis drawing mixtures (the JSON API also has
schemathesis: test_api_fuzz.py)."""

from __future__ import annotations

import itertools
import re
import traceback
from inspect import getmodule, getsource
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.core.languages import LANGUAGES
from app.web.admin.help import HELP_SETTINGS
from tests.app.web.changes import count_changes, uncount_changes
from tests.app.web.sweep import Sweep, path_for, real_paths, seeded_shop

WEB = Path(__file__).resolve().parents[3] / "app" / "web"
UNSWEPT = {"admin.logout", "admin.logout_everywhere", "static"}  # signing out would end the sweep's session
EXAMPLES_PER_ROUTE = 5  # mixtures on top of the fixed pass, which puts each kind in each place
HUGE = [2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30]
NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\x01",
    "\x1b[31m",
    "\x7f",
    "\r\nBcc: x@example.com",
    "\t",
    *map(str, HUGE),
    "1e400",
    "NaN",
    "-1",
    "0",
    "²",
    "٣",
    "1_000",
    " ",
    "",
    "x" * 70_000,
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e",
    "\ufeff",
    "😀" * 300,
]
TEXT = st.sampled_from(NASTY) | st.text(st.characters(exclude_categories=()), max_size=20)
SCALAR = st.none() | st.booleans() | st.floats() | st.sampled_from(HUGE) | st.integers() | TEXT
JSON_VALUE = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)
ID_TEXT = [str(2**31), str(2**63), str(10**30), "0" * 30 + "1", "٣"]
# The fixed pass: each kind of value in each place.
FIXED_TEXT = ["a\x00b", "x\udfff", "\x01", str(2**31), str(-(2**63) - 1), str(10**30), "²", "x" * 70_000]
FIXED_JSON = ["a\x00b", "\ud800", 2**31, 2**63, 10**30, None, [], {}, 1.5, True, float("inf")]


def _field_names(source: str) -> tuple[list[str], list[str]]:
    """The form/JSON names and the query names read in `source`."""
    names = set(re.findall(r"(?:form|values|data|body)\.get\(\s*f?[\"']([a-z_{}]+)[\"']", source))
    names |= set(re.findall(r"(?:form\[|_listed\(body, )[\"']([a-z_]+)[\"']", source))
    names = {n.replace("{locale}", locale) for n in names for locale in LANGUAGES} | set(HELP_SETTINGS)
    query = set(re.findall(r"args\.get\(\s*[\"']([a-z_]+)[\"']", source)) | {"lang", "s"}
    return sorted(names), sorted(query)


SOURCE = "\n".join(path.read_text() for path in WEB.rglob("*.py"))
FIELDS, QUERY = _field_names(SOURCE)
FILES = sorted(set(re.findall(r"files\.get\([\"']([a-z_]+)[\"']", SOURCE)))


def test_the_sweep_finds_the_fields_and_routes():
    assert {"email", "quantity", "code", "orders", "notices", "category_id", "title_de", "position"} <= set(FIELDS)
    assert {"q", "page", "next"} <= set(QUERY) and {"image", "file"} <= set(FILES)


@pytest.fixture
def sweep(app):
    """The seeded shop, its changed rows counted from here on."""
    count_changes(app)
    yield Sweep(seeded_shop(app))
    uncount_changes(app)


@pytest.mark.slow
def test_each_kind_of_hostile_value_in_each_place_of_every_route(app, sweep):
    failures = []
    for rule, method in _routes(app):
        try:
            _fixed_pass(sweep, rule, method)
        except Exception as exc:
            failures.append(_failure(rule, method, exc))
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_every_route_answers_hypothesis_mixtures_without_a_5xx_or_a_change(app, sweep):
    failures = [failure for rule, method in _routes(app) if (failure := _drawn_pass(sweep, rule, method))]
    assert not failures, "\n".join(failures)


def _routes(app) -> list:
    routes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNSWEPT
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert len(routes) > 80
    return routes


def _fixed_pass(sweep: Sweep, rule, method: str) -> None:
    """Each value of the fixed lists in each place; the real path's any(…) choices take turns."""
    fields, query = _own_names(sweep.shop.app, rule)
    real = itertools.cycle(real_paths(rule, sweep.shop.samples))
    for value in [*FIXED_TEXT[:4], "x" * 70_000]:
        if rule.arguments:
            sweep.send(rule, method, path_for(rule, {n: value for n in rule.arguments}, sweep.shop.samples), {}, None)
        sweep.send(rule, method, next(real), {name: value for name in query}, None)
    for missing in _missing_rows(rule, sweep.shop.samples):  # an id that names no row
        sweep.send(rule, method, missing, {}, ("form", {}) if method == "POST" else None)
    if method != "POST":
        return
    for value in FIXED_TEXT:
        sweep.send(rule, method, next(real), {}, ("form", {name: value for name in fields}))
    sweep.send(
        rule, method, next(real), {}, ("multipart", {name: "1" for name in fields}, {f: "a\x00.png" for f in FILES})
    )
    for value in FIXED_JSON if _reads_json(sweep.shop.app, rule) else FIXED_JSON[:1]:
        sweep.send(rule, method, next(real), {}, ("json", {name: value for name in fields}))
    sweep.send(rule, method, next(real), {}, ("json", ["not", "an", "object"]))


def _reads_json(app, rule) -> bool:
    """Whether the view's module reads a JSON body (the API, the widget) or a provider's (webhooks). A
    form's view never does: every JSON value reaches the same refusal there, so it gets one hostile value
    (app.web.hostile's check, before any view) and one of the wrong shape (the form's own check)."""
    module = getmodule(app.view_functions[rule.endpoint])
    return rule.rule.startswith(("/api/", "/webhooks/")) or (module is not None and "get_json" in getsource(module))


def _missing_rows(rule, samples: dict) -> list[str]:
    """The rule with 999999 for its ids, once per choice of its any(…) argument (retry, settle …)."""
    ids = {name: "999999" for name, converter in rule._converters.items() if converter.regex == r"\d+"}
    return real_paths(rule, samples, ids) if ids else []


def _drawn_pass(sweep: Sweep, rule, method: str) -> str | None:
    """None, or what went wrong on this route (every route is swept before the test fails)."""
    fields, query = _own_names(sweep.shop.app, rule)
    fields = st.sampled_from(fields) | st.sampled_from(FIELDS)  # half the time the view's own
    query = st.sampled_from(query) | st.sampled_from(QUERY)

    # No shrinking: a failure is reported as drawn, so a broken route costs seconds, not minutes.
    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    @given(data=st.data())
    def answered(data):
        path = path_for(rule, _drawn_arguments(rule, data), sweep.shop.samples)
        body = _drawn_body(data, fields) if method == "POST" else None
        sweep.send(rule, method, path, data.draw(st.dictionaries(query, TEXT, max_size=3)), body)

    try:
        answered()
    except Exception as exc:
        return _failure(rule, method, exc)
    return None


def _failure(rule, method: str, exc: Exception) -> str:
    """The route, the error, and where in our code it was raised (the last frame outside the libraries)."""
    ours = [frame for frame in traceback.extract_tb(exc.__traceback__) if "site-packages" not in frame.filename]
    where = f" at {ours[-1].filename.rsplit('/main/', 1)[-1]}:{ours[-1].lineno}" if ours else ""
    return f"{method} {rule.rule}: {type(exc).__name__}{where}: {str(exc)[:300]}"


def _drawn_arguments(rule, data) -> dict:
    """Per path argument: its real value (None), one of its choices, or a hostile one."""
    drawn = {}
    for name, converter in rule._converters.items():
        if hasattr(converter, "items"):  # any(…): only its choices route
            drawn[name] = data.draw(st.sampled_from(sorted(converter.items)))
        elif converter.regex == r"\d+":
            drawn[name] = data.draw(st.none() | st.sampled_from(ID_TEXT))
        else:
            drawn[name] = data.draw(st.none() | TEXT.filter(bool))
    return drawn


def _drawn_body(data, names) -> tuple:
    kind = data.draw(st.sampled_from(["form", "json", "multipart"]))
    if kind == "json":
        return kind, data.draw(st.dictionaries(names | TEXT, JSON_VALUE, max_size=5) | JSON_VALUE)
    fields = data.draw(st.dictionaries(names, TEXT, max_size=6))
    if kind == "form":
        return kind, fields
    return kind, fields, data.draw(st.dictionaries(st.sampled_from(FILES), TEXT, min_size=1))


def _own_names(app, rule) -> tuple[list[str], list[str]]:
    """The names the view's own module reads: the fields this route is most likely to care about."""
    module = getmodule(app.view_functions[rule.endpoint])
    fields, query = _field_names(getsource(module)) if module else ([], [])
    return fields or FIELDS, query or QUERY
