"""Support against its targets over a window of days, in business minutes: first response, next
response and resolution, each with its breach rate; overall, per agent and per conversation type.
The definitions are in docs/support-metrics.md."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from feedback.support.metrics import median_p90
from feedback.support.models import Conversation as C
from feedback.support.models import Message as M
from feedback.support.models import Rating

TARGETS = ("first_response", "next_response", "resolution")


@dataclass(frozen=True)
class Observation:
    target: str
    kind: str
    agent: str  # who answered or resolved; for a deadline missed with nothing done, the assignee ("" nobody)
    minutes: int | None  # business minutes taken; None: not done yet
    breached: bool | None  # None: no target to meet


@dataclass(frozen=True)
class TargetFigures:
    median_p90: tuple[float | None, float | None]  # business minutes
    judged: int  # done in the window against a deadline, or whose deadline passed in it undone
    breached: int

    @property
    def breach_rate(self) -> float | None:
        return 100.0 * self.breached / self.judged if self.judged else None


@dataclass(frozen=True)
class GroupFigures:
    name: str  # "" for everyone; an agent's email; a conversation kind
    targets: dict[str, TargetFigures]
    ratings: int
    satisfied: int

    @property
    def csat(self) -> float | None:
        return 100.0 * self.satisfied / self.ratings if self.ratings else None


@dataclass(frozen=True)
class TargetReport:
    days: int
    overall: GroupFigures
    agents: list[GroupFigures]
    kinds: list[GroupFigures]


def target_report(session: Session, days: int, now: datetime | None = None) -> TargetReport:
    now = now or utcnow()
    since = now - timedelta(days=days)
    seen = [*_responses(session, since, now), *_resolutions(session, since, now)]
    ratings = session.execute(
        select(Rating.score, C.kind, C.assignee.label("agent"))
        .join(C, C.id == Rating.conversation_id)
        .where(Rating.created_at >= since, Rating.created_at <= now)
    ).all()
    session.rollback()

    def groups(key: Callable) -> list[GroupFigures]:
        names = sorted({key(o) for o in seen} | {key(r) for r in ratings})
        return [_group(n, [o for o in seen if key(o) == n], [r for r in ratings if key(r) == n]) for n in names]

    return TargetReport(days, _group("", seen, ratings), groups(attrgetter("agent")), groups(attrgetter("kind")))


def _responses(session: Session, since: datetime, now: datetime) -> Iterable[Observation]:
    answered = session.execute(
        select(M.response, C.kind, M.author, M.response_minutes, M.created_at, M.response_due_at)
        .join(C, C.id == M.conversation_id)
        .where(M.response != "", M.created_at >= since, M.created_at <= now)
    )
    for response, kind, agent, minutes, at, due in answered:
        yield Observation(f"{response}_response", kind, agent, minutes, None if due is None else at > due)
    waiting = session.execute(
        select(C.first_response_at, C.kind, C.assignee).where(C.reply_due_at >= since, C.reply_due_at < now)
    )
    for first_response_at, kind, assignee in waiting:
        yield Observation(
            "first_response" if first_response_at is None else "next_response", kind, assignee, None, True
        )


def _resolutions(session: Session, since: datetime, now: datetime) -> Iterable[Observation]:
    resolved = session.execute(
        select(C.kind, C.resolved_by, C.resolution_minutes, C.resolved_at, C.resolution_due_at).where(
            C.status == "resolved", C.resolved_at >= since, C.resolved_at <= now
        )
    )
    for kind, agent, minutes, at, due in resolved:
        yield Observation("resolution", kind, agent, minutes, None if due is None or at is None else at > due)
    late = session.execute(
        select(C.kind, C.assignee).where(
            C.status != "resolved", C.resolution_due_at >= since, C.resolution_due_at < now
        )
    )
    for kind, assignee in late:
        yield Observation("resolution", kind, assignee, None, True)


def _group(name: str, seen: list[Observation], ratings: Sequence[Any]) -> GroupFigures:
    return GroupFigures(
        name,
        {target: _figures([o for o in seen if o.target == target]) for target in TARGETS},
        len(ratings),
        sum(1 for r in ratings if r.score >= 4),
    )


def _figures(seen: list[Observation]) -> TargetFigures:
    judged = [o for o in seen if o.breached is not None]
    return TargetFigures(
        median_p90([float(o.minutes) for o in seen if o.minutes is not None]),
        len(judged),
        sum(1 for o in judged if o.breached),
    )
