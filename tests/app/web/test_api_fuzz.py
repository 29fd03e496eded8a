"""Schemathesis against the OpenAPI description of the JSON API: every generated request is
answered within the description (never a 5xx, never an undocumented status or body), and a refused
request changes nothing."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import func, select

from app.api_tokens import create_token
from app.extensions import db
from app.models import Order
from keystore.models import Batch, Code
from tests.shop import make_product, stock, unique_codes


@pytest.fixture
def api_schema(app):
    stock(app, make_product(app, "card"), unique_codes(3))
    with app.app_context():
        app.config["FUZZ_TOKEN"] = create_token(db.session, "fuzz", ["upload", "stock"], "test")
        db.session.remove()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _rows(app) -> tuple[int, int, int]:
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(table)) for table in (Order, Code, Batch))
        db.session.remove()
    return counts


def test_every_generated_request_is_answered_as_described(api_schema, app):
    # Hypothesis is driven here rather than through schemathesis' pytest plugin, which does not take
    # a fixture parametrised by backend.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        _fuzz(operation, app)


def _fuzz(operation, app):
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
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
    routes = {rule.rule.replace("<", "{").replace(">", "}").replace("{int:", "{")
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule}
    assert routes == described
