"""The webhooks pages: an owner adds an endpoint (its URL sealed, shown back only as scheme, host and
the path's end; its secret shown once, on a page no cache keeps), sends a test event, reads the
delivery log, replays a message, rotates the secret, changes, disables and deletes the endpoint,
each change audited; an agent may not; hostile input is refused whole, naming the field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.webhook_models import WebhookEndpoint, WebhookMessage
from tests.app.web.test_admin_chat import PASSWORD, owner  # noqa: F401  (the owner and an agent, signed in as the owner)
from tests.delivery.webhooks.endpoints import in_app, receiver, run_job  # noqa: F401
from tests.shop import csrf_from, sign_in


def _post(client, path: str, form: dict):
    return client.post(path, data={"csrf_token": csrf_from(client, "/admin/webhooks"), **form})


def _add(client, url: str, events=("order.paid", "order.delivered"), description="Our ERP"):
    return _post(client, "/admin/webhooks", {"url": url, "description": description, "events": list(events)})


def _secret(response) -> str:
    return re.search(r"whsec_[A-Za-z0-9+/=]+", response.get_data(as_text=True)).group(0)


def _endpoints(app) -> list[tuple]:
    e = WebhookEndpoint
    return in_app(app, lambda s: [tuple(r) for r in s.execute(select(e.id, e.url_sealed, e.enabled, e.events))])


def _actions(app) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.action.like("shop.webhook.%")).order_by(AuditEntry.id)
    return in_app(app, lambda s: list(s.scalars(query)))


def test_the_whole_life_of_an_endpoint_audited(app, client, owner, receiver):
    shown = _add(client, receiver.url + "?token=merchant-token")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    receiver.secrets.append(_secret(shown))
    [(endpoint, sealed, enabled, events)] = _endpoints(app)
    assert (
        enabled
        and events == "order.paid,order.delivered"
        and "merchant-token" not in sealed
        and "127.0.0.1" not in sealed
    )
    page = client.get(f"/admin/webhooks/{endpoint}").get_data(as_text=True)
    assert "merchant-token" not in page and receiver.secrets[0] not in page and "http://127.0.0.1:" in page
    assert _post(client, f"/admin/webhooks/{endpoint}/test", {}).status_code == 302
    receiver.fail_next = 1
    run_job(app, endpoint)
    page = client.get(f"/admin/webhooks/{endpoint}").get_data(as_text=True)
    assert "webhook.test" in page and "500" in page and "down for the test" in page and "next try" in page
    [message] = in_app(app, lambda s: list(s.scalars(select(WebhookMessage.id))))
    assert _post(client, f"/admin/webhooks/{endpoint}/messages/{message}/replay", {}).status_code == 404  # still owed
    in_app(app, lambda s: (s.execute(WebhookMessage.__table__.update().values(due_at=None)), s.commit()))
    run_job(app, endpoint)
    assert _post(client, f"/admin/webhooks/{endpoint}/messages/{message}/replay", {}).status_code == 302
    run_job(app, endpoint)
    assert [m.webhook_id for m in receiver.received][0] == receiver.received[1].webhook_id
    rotated = _post(client, f"/admin/webhooks/{endpoint}/rotate", {})
    assert _secret(rotated) != receiver.secrets[0] and rotated.headers["Cache-Control"] == "no-store"
    assert "previous secret signs too" in client.get(f"/admin/webhooks/{endpoint}").get_data(as_text=True)
    form = {"url": receiver.url, "description": "ERP", "events": ["review.created"]}
    assert _post(client, f"/admin/webhooks/{endpoint}", form).status_code == 302
    assert _endpoints(app)[0][3] == "review.created"
    assert _post(client, f"/admin/webhooks/{endpoint}/enabled", {"enabled": "0"}).status_code == 302
    assert _endpoints(app)[0][2] is False
    assert _post(client, f"/admin/webhooks/{endpoint}/delete", {}).status_code == 302
    assert _endpoints(app) == [] and _post(client, f"/admin/webhooks/{endpoint}/delete", {}).status_code == 404
    assert _actions(app) == [
        "shop.webhook.created", "shop.webhook.test_sent", "shop.webhook.replayed", "shop.webhook.secret_rotated",
        "shop.webhook.changed", "shop.webhook.disabled", "shop.webhook.deleted",
    ]  # fmt: skip
    assert receiver.problems == []


def test_an_agent_may_not_see_or_add_them(app, client, owner, receiver):
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    sign_in(client, "agent@shop.test", PASSWORD)
    assert client.get("/admin/webhooks").status_code == 403
    token = csrf_from(client, "/admin/")
    response = client.post("/admin/webhooks", data={"csrf_token": token, "url": receiver.url, "events": "order.paid"})
    assert response.status_code == 403 and _endpoints(app) == []


@pytest.mark.parametrize(
    "form, named",
    [
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https//missing-colon"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "http://127.0.0.1/" + "x" * 70_000}, "url"),
        ({"url": "http://127.0.0.1/a b"}, "url"),
        ({"url": "http://127.0.0.1/\x00"}, "url"),
        ({"description": "d" * 201}, "description"),
        ({"description": "two\r\nlines"}, "description"),
        ({"events": []}, "events"),
        ({"events": ["order.paid", "no.such.event"]}, "events"),
        ({"events": [str(2**63)]}, "events"),
    ],
)
def test_hostile_input_is_refused_naming_the_field(app, client, owner, receiver, form, named):
    fields = {"url": receiver.url, "description": "ERP", "events": ["order.paid"], **form}
    response = _post(client, "/admin/webhooks", fields)
    assert 400 <= response.status_code < 500 and named in response.get_data(as_text=True)
    assert _endpoints(app) == [] and _actions(app) == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/webhooks/99999999999999999999/test",
        "/admin/webhooks/2147483647/delete",
        "/admin/webhooks/2147483647/rotate",
        "/admin/webhooks/2147483647/messages/1/replay",
    ],
)
def test_no_such_endpoint_is_not_found(client, owner, path):
    assert _post(client, path, {"enabled": "1"}).status_code == 404


def test_enabled_must_be_0_or_1(app, client, owner, receiver):
    _add(client, receiver.url)
    [(endpoint, *_)] = _endpoints(app)
    assert _post(client, f"/admin/webhooks/{endpoint}/enabled", {"enabled": "yes"}).status_code == 400
