"""Prometheus metrics, correct across any number of web and worker processes.

Things that happen (webhooks answered, delivery latency) are counted in Redis, shared by every
process; things that are (orders by state, stock, failed jobs) are read from the database and
Redis when scraped. Counting never gets in the way: a Redis error loses a count, not a webhook.
"""

from __future__ import annotations

import logging

from redis import Redis, RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.models import Order
from delivery.queues import QUEUES, queue
from keystore.stock import stock_by_product

log = logging.getLogger(__name__)
WEBHOOKS = "keyshop:metrics:webhooks"  # hash "<provider>|<status>" -> count
RECOVERED = "keyshop:metrics:recovered"  # hash "<provider>" -> orders found paid by asking the provider
# hash "<bucket>" -> deliveries whose latency fell in that bucket and no lower one ("+Inf" above the
# last), plus "sum": two commands per delivery; the cumulative buckets are added up when scraped
LATENCY = "keyshop:metrics:delivery_seconds_by_bucket"
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def count_webhook(redis: Redis, provider: str, status: int) -> None:
    _quietly(lambda: redis.hincrby(WEBHOOKS, f"{provider}|{status}", 1))


def count_recovered(redis: Redis, provider: str, orders: int) -> None:
    _quietly(lambda: redis.hincrby(RECOVERED, provider, orders))


def observe_delivery(redis: Redis, seconds: float) -> None:
    def record():
        bucket = next((str(bound) for bound in BUCKETS if seconds <= bound), "+Inf")
        pipe = redis.pipeline(transaction=False)
        pipe.hincrby(LATENCY, bucket, 1)
        pipe.hincrbyfloat(LATENCY, "sum", seconds)
        pipe.execute()

    _quietly(record)


def render(session: Session, redis: Redis) -> str:
    lines: list[str] = []
    _webhooks(lines, redis)
    _recovered(lines, redis)
    _latency(lines, redis)
    _orders(lines, session)
    _stock(lines, session)
    _jobs(lines, redis)
    return "\n".join(lines) + "\n"


def _webhooks(lines, redis) -> None:
    lines += [
        "# HELP keyshop_webhooks_total Webhooks answered, by provider and HTTP status.",
        "# TYPE keyshop_webhooks_total counter",
    ]
    for key, value in sorted(redis.hgetall(WEBHOOKS).items()):
        provider, status = key.decode().split("|")
        lines.append(f'keyshop_webhooks_total{{provider="{provider}",status="{status}"}} {int(value)}')


def _recovered(lines, redis) -> None:
    lines += [
        "# HELP keyshop_orders_recovered_total Orders found paid by asking the provider (no callback had), by provider.",
        "# TYPE keyshop_orders_recovered_total counter",
    ]
    for provider, value in sorted(redis.hgetall(RECOVERED).items()):
        lines.append(f'keyshop_orders_recovered_total{{provider="{provider.decode()}"}} {int(value)}')


def _latency(lines, redis) -> None:
    stored = {key.decode(): float(value) for key, value in redis.hgetall(LATENCY).items()}
    lines += [
        "# HELP keyshop_webhook_to_delivered_seconds From payment recorded to codes delivered.",
        "# TYPE keyshop_webhook_to_delivered_seconds histogram",
    ]
    below = 0
    for bound in (*map(str, BUCKETS), "+Inf"):
        below += int(stored.get(bound, 0))
        lines.append(f'keyshop_webhook_to_delivered_seconds_bucket{{le="{bound}"}} {below}')
    lines.append(f"keyshop_webhook_to_delivered_seconds_sum {stored.get('sum', 0.0)}")
    lines.append(f"keyshop_webhook_to_delivered_seconds_count {below}")


def _orders(lines, session) -> None:
    lines += ["# HELP keyshop_orders Orders by state.", "# TYPE keyshop_orders gauge"]
    for status, count in session.execute(select(Order.status, func.count()).group_by(Order.status)).all():
        lines.append(f'keyshop_orders{{status="{status}"}} {count}')


def _stock(lines, session) -> None:
    lines += ["# HELP keyshop_codes Codes per product and state.", "# TYPE keyshop_codes gauge"]
    for row in stock_by_product(session):
        for status, count in sorted(row.counts.items()):
            lines.append(f'keyshop_codes{{product_id="{row.id}",status="{status}"}} {count}')


def _jobs(lines, redis) -> None:
    lines += [
        "# HELP keyshop_jobs_failed Jobs in RQ's failed registry, by queue.",
        "# TYPE keyshop_jobs_failed gauge",
        "# HELP keyshop_queue_depth Jobs waiting, by queue.",
        "# TYPE keyshop_queue_depth gauge",
    ]
    for name in QUEUES:
        waiting = queue(name)
        lines.append(f'keyshop_jobs_failed{{queue="{name}"}} {FailedJobRegistry(queue=waiting).count}')
        lines.append(f'keyshop_queue_depth{{queue="{name}"}} {waiting.count}')


def _quietly(action) -> None:
    try:
        action()
    except RedisError as exc:
        log.warning("a metric was not counted: %s", type(exc).__name__)
