"""/healthz and /metrics: what an operator watches, counted across processes through Redis."""

from __future__ import annotations

import re
import time

from app.core.api_tokens import create_token
from app.core.extensions import db
from tests.shop import make_product, order_status, place, sandbox_webhook, stock, unique_codes


def _token(app, scope="stock") -> dict:
    with app.app_context():
        secret = create_token(db.session, "prometheus", [scope], created_by="cli")
        db.session.remove()
    return {"Authorization": f"Bearer {secret}"}


def _metric(text: str, name: str) -> float | None:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_healthz_reports_queues_and_the_oldest_paid_order_waiting(app, client):
    body = client.get("/healthz").json
    assert body["status"] == "ok" and body["checks"] == {"database": "ok", "redis": "ok"}
    assert body["oldest_undelivered_paid_seconds"] is None
    make_product(app)
    placed = place(app, "card")
    headers, payload = sandbox_webhook(app, placed.number, 999)
    client.post("/webhooks/sandbox", data=payload, headers=headers)  # no worker runs: it waits
    body = client.get("/healthz").json
    assert body["queues"]["delivery"] == 1 and body["oldest_undelivered_paid_seconds"] >= 0


def test_metrics_need_a_token_with_the_stock_scope(app, client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=_token(app, "upload")).status_code == 403


def test_metrics_count_webhooks_deliveries_latency_and_stock(app, client, worker):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(3))
    placed = place(app, "card")
    headers, payload = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=payload, headers=headers).status_code == 200
    assert client.post("/webhooks/sandbox", data=payload + b" ", headers=headers).status_code == 400
    deadline = time.monotonic() + 15
    while order_status(app, placed.order_id) != "delivered" and time.monotonic() < deadline:
        time.sleep(0.05)

    text = client.get("/metrics", headers=_token(app)).get_data(as_text=True)
    assert _metric(text, 'keyshop_webhooks_total{provider="sandbox",status="200"}') == 1
    assert _metric(text, 'keyshop_webhooks_total{provider="sandbox",status="400"}') == 1
    assert _metric(text, 'keyshop_orders{status="delivered"}') == 1
    assert _metric(text, "keyshop_webhook_to_delivered_seconds_count") == 1
    assert _metric(text, 'keyshop_webhook_to_delivered_seconds_bucket{le="+Inf"}') == 1
    assert _metric(text, f'keyshop_codes{{product_id="{product_id}",status="available"}}') == 2
    assert _metric(text, 'keyshop_jobs_failed{queue="delivery"}') == 0


def test_latency_buckets_are_cumulative_as_prometheus_reads_them(app, client):
    from delivery.metrics import observe_delivery

    redis = app.extensions["keyshop.redis"]
    for seconds in (0.004, 0.03, 0.03, 7.0, 600.0):
        observe_delivery(redis, seconds)
    text = client.get("/metrics", headers=_token(app)).get_data(as_text=True)
    bucket = 'keyshop_webhook_to_delivered_seconds_bucket{{le="{}"}}'.format
    assert [_metric(text, bucket(le)) for le in ("0.01", "0.025", "0.05", "5", "10", "60", "+Inf")] == [
        1,
        1,
        3,
        3,
        4,
        4,
        5,
    ]
    assert _metric(text, "keyshop_webhook_to_delivered_seconds_count") == 5
    assert _metric(text, "keyshop_webhook_to_delivered_seconds_sum") == 607.064
