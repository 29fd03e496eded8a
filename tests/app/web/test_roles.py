"""Role checks, found from the routes themselves so a new owners' page cannot be forgotten: an agent
is refused every owners' action, and an API token every route outside its scope."""

from __future__ import annotations

from app.core.api_tokens import SCOPES, create_token
from app.core.extensions import db
from tests.feedback.aftersale import staff
from tests.shop import csrf_from


def _guarded(app, attribute: str):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, attribute, None):
            yield rule, getattr(view, attribute)


def _concrete(app, rule) -> str:
    """The rule's path with sample arguments: a number, a word, or the first of its choices."""
    values = {arg: _sample(converter) for arg, converter in rule._converters.items()}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def _sample(converter):
    if hasattr(converter, "items"):  # any(…)
        return sorted(converter.items)[0]
    return 1 if converter.regex == r"\d+" else "x"


def test_an_agent_is_refused_every_owners_action(app, client):
    staff(app, client)
    csrf = csrf_from(client, "/admin/")
    owners_only = list(_guarded(app, "owners_only"))
    assert len(owners_only) >= 12  # reveal, exports, audit log, blocklist, settings, policies, …
    for rule, _ in owners_only:
        path = _concrete(app, rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = client.open(path, method=method, data={"csrf_token": csrf})
            assert answer.status_code == 403, f"{method} {path}"


def test_an_api_token_is_refused_outside_its_scope(app, client):
    routes = list(_guarded(app, "token_scope"))
    assert {scope for _, scope in routes} >= {"upload", "stock", "orders", "refunds"}
    with app.app_context():
        tokens = {scope: create_token(db.session, scope, [scope], "test") for scope in SCOPES}
        db.session.remove()
    for rule, needed in routes:
        path = _concrete(app, rule)
        for scope, secret in tokens.items():
            if scope == needed:
                continue
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                answer = client.open(path, method=method, headers={"Authorization": f"Bearer {secret}"})
                assert answer.status_code == 403, f"{method} {path} with a {scope} token"
