"""The ledger check in the sweeper: one worker checks the books every EVERY_SECONDS, keeps the
answer in Redis for /healthz, and mails the owners about breaches they were not told of yet."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from email.message import Message

from redis import Redis
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.settings import Settings
from delivery.ledger import Breach, check_ledger
from delivery.mail.composers import MailContext, composes
from delivery.mail.log import OwedMail, owe
from delivery.mail.owners import owners_mail
from delivery.mail.pace import schedule_drain

log = logging.getLogger(__name__)
RESULT, LOCK = "keyshop:ledger", "keyshop:ledger:lock"
EVERY_SECONDS = 300  # the check reads whole tables: often enough to alarm, rare enough to cost nothing
# ... and a shop grows: the check's time grows with its tables (4-9 s with 300,000 orders on SQLite
# on a busy 2-core machine), so the next check waits at least a hundred times as long as the last
# one took, and the books never cost more than a hundredth of a core.
SPACING = 100


def check_if_due(session: Session, settings: Settings, redis: Redis, every: int = EVERY_SECONDS) -> list[Breach] | None:
    """Check unless another worker did within `every` seconds (or SPACING times the last check's
    duration, when longer); the breaches found, or None."""
    if not redis.set(LOCK, "1", nx=True, ex=max(1, every)):
        return None
    started = time.monotonic()
    breaches = check_ledger(session, settings.instance)
    wait = next_check_in(time.monotonic() - started, every)
    if wait > every:
        redis.set(LOCK, "1", ex=wait)  # not expire(): a check longer than `every` outlived the lock
    redis.set(
        RESULT,
        json.dumps(
            {
                "checked_at": utcnow().isoformat(timespec="seconds"),
                "breaches": [[b.invariant, b.detail] for b in breaches],
            }
        ),
    )
    if breaches:
        log.warning("ledger check: %s breach(es) of %s", len(breaches), sorted({b.invariant for b in breaches}))
        alarm(session, breaches)
    return breaches


def next_check_in(took_seconds: float, every: int) -> int:
    """Seconds from a check to the next one: the interval, or SPACING times what this one took."""
    return max(every, int(SPACING * took_seconds))


def alarm(session: Session, breaches: list[Breach]) -> bool:
    """One mail per distinct set of breaches (the mail log is keyed by it): the same broken books
    are not mailed every five minutes, a new breach is. The list rides with the mail: it is what
    the check found then, not what a later check finds. Whether a mail was owed now."""
    lines = sorted(f"{b.invariant}: {b.detail}" for b in breaches)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]
    with write_transaction(session):
        owed = owe(session, f"ledger:{digest}", "ledger_alarm", payload=json.dumps(lines))
    return bool(owed) and schedule_drain()


@composes("ledger")
def compose_alarm(context: MailContext, mail: OwedMail) -> Message:
    return owners_mail(context, mail, None, "ledger_alarm", breaches=json.loads(mail.payload))


def last_result(redis: Redis) -> dict:
    """For /healthz: ok, broken (with the count), or not checked yet."""
    raw = redis.get(RESULT)
    if raw is None:
        return {"status": "not checked yet"}
    result = json.loads(raw)
    breaches = result["breaches"]
    return {
        "status": "broken" if breaches else "ok",
        "checked_at": result["checked_at"],
        "breaches": len(breaches),
        "invariants": sorted({name for name, _ in breaches}),
    }
