"""Schemathesis against the OpenAPI description of the JSON API: every generated request is
answered within the description (never a 5xx, never an undocumented status or body), and a refused
request changes nothing."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import func, select

from app.core.api_tokens import SCOPES, create_token
from app.core.extensions import db
from app.core.models import Order
from keystore.models import Batch, Code
from tests.app.web.changes import changes, count_changes, uncount_changes
from tests.shop import make_product, stock, unique_codes

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(app):
    stock(app, make_product(app, "card"), unique_codes(3))
    with app.app_context():
        app.config["FUZZ_TOKEN"] = create_token(db.session, "fuzz", list(SCOPES), "test")
        db.session.remove()
    count_changes(app)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    uncount_changes(app)


def _rows(app) -> tuple[int, int, int]:
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(table)) for table in (Order, Code, Batch))
        db.session.remove()
    return counts


def test_every_generated_request_is_answered_as_described(api_schema, app):
    # Hypothesis is driven here rather than through schemathesis' pytest plugin, which does not take
    # a fixture parametrised by backend.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # 7 (a buyer's reveal among them), the merchant's orders, one order, refund asked and read, products,
    # reports listed, decided one and several at once
    assert len(operations) == 15
    for operation in operations:
        _fuzz(operation, app)


def _fuzz(operation, app):
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def answered_as_described(case):
        before = _rows(app)
        headers = {"Authorization": f"Bearer {app.config['FUZZ_TOKEN']}"}
        response = case.call(headers=headers)
        # Whether a product or payment method exists is the shop's data, not the schema's: a valid-looking
        # order for a product nobody sells is rightly a 422.
        case.validate_response(response, excluded_checks=[positive_data_acceptance], headers=headers)
        if response.status_code >= 400:
            assert _rows(app) == before, f"{case.method} {case.path} answered {response.status_code}, changed rows"

    answered_as_described()


def test_the_description_is_served_and_names_every_api_route(app, client):
    described = set(client.get("/api/v1/openapi.json").get_json()["paths"])
    routes = {
        rule.rule.replace("<", "{").replace(">", "}").replace("{int:", "{")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule
    }
    assert routes == described


HOSTILE_STRINGS = ["a\x00b", "\ud800", "x\udfff", "\x01\x1b", "x" * 70_000, str(2**31), str(10**30), "²"]
# No inf: schemathesis sends only JSON (test_hostile_input.py sends 1e400 itself).
HOSTILE_VALUES = [*HOSTILE_STRINGS, 2**31, 2**63, -(2**63) - 1, 10**30, None, [], {}, 1.5, True, 1e308]


def test_hostile_values_in_every_described_field_are_refused_as_described(api_schema, app):
    """What schemathesis does not draw by itself: lone surrogates (its strings are valid UTF-8), NUL in
    every field at once, numbers past 64 bits, and each wrong JSON type, in every parameter and property
    the description names. Each answer is within the description, never a 5xx, and a refusal changes
    no row of any table."""
    headers = {"Authorization": f"Bearer {app.config['FUZZ_TOKEN']}"}
    for operation in (result.ok() for result in api_schema.get_all_operations()):
        raw = operation.definition.raw
        names = {
            place: [p["name"] for p in raw.get("parameters", []) if p["in"] == place] for place in ("path", "query")
        }
        content = raw.get("requestBody", {}).get("content", {})
        properties = list(content.get("application/json", {}).get("schema", {}).get("properties", {}))
        for value in HOSTILE_VALUES:
            case = _hostile_case(operation, names, content, properties, value)
            if case is None:
                continue
            before = changes(app)
            response = case.call(headers=headers)
            case.validate_response(response, excluded_checks=[positive_data_acceptance], headers=headers)
            assert response.status_code < 500
            if response.status_code >= 400:
                assert changes(app) == before, f"{operation.method} {operation.path} {value!r:.40}"


def _hostile_case(operation, names: dict, content: dict, properties: list, value):
    """A case with `value` in every named field. A URL carries text, and a lone surrogate only as
    bytes that decode to U+FFFD, so those go in JSON bodies alone; None where the value cannot go."""
    text = value if isinstance(value, str) else json.dumps(value)
    in_url = isinstance(value, str) and not re.search(r"[\ud800-\udfff]", value)
    body = NOT_SET
    if "application/json" in content:
        body = {name: value for name in properties}
    elif "text/plain" in content and in_url:
        body = text
    if body is NOT_SET and not in_url:
        return None
    # A path cannot go without its parameters: a plain one where the value cannot go, so the body carries it.
    path = {name: text if in_url else "x" for name in names["path"]}
    query = {name: text for name in names["query"]} if in_url else {}
    return operation.Case(
        path_parameters=path or None,
        query=query or None,
        body=body,
        media_type=next(iter(content), None),
    )
