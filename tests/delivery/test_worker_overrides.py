"""What delivery.worker.AppWorker overrides in RQ's SimpleWorker, and relies on, is still there and in effect.

AppWorker runs each job inside an app context (execute_job) and drops plain heartbeats closer together than
a second (heartbeat). Were RQ to rename either method, or stop calling it, the override would quietly stop
working: jobs without an app context fail at once, but lost beat-skipping only costs Redis round trips.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from rq import Queue, SimpleWorker
from rq.utils import now

from delivery.worker import BEAT_AT_MOST_EVERY, AppWorker
from tests.signatures import defaults, parameters

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # RQ's side only: one database is enough


def _defining(cls: type, name: str) -> type:
    return next(c for c in cls.__mro__ if name in vars(c))


def test_the_methods_overridden_keep_their_signatures(backend):
    assert parameters(_defining(SimpleWorker, "execute_job").execute_job) == ["self", "job", "queue"]
    heartbeat = _defining(SimpleWorker, "heartbeat").heartbeat
    assert parameters(heartbeat) == ["self", "timeout", "pipeline"]
    assert defaults(heartbeat) == {"timeout": None, "pipeline": None}


def test_rq_stamps_heartbeats_with_an_aware_now(backend):
    """AppWorker compares RQ's last_heartbeat with rq.utils.now(): both must stay aware datetimes."""
    assert isinstance(now(), datetime) and now().tzinfo is not None


def test_run_worker_starts_no_rq_scheduler_process(backend):
    """run_worker calls work() without with_scheduler: RQ's forked scheduler outlived killed workers."""
    work = _defining(SimpleWorker, "work").work
    assert {"burst", "logging_level", "with_scheduler"} <= set(parameters(work))
    assert defaults(work)["with_scheduler"] is False


def job_reads_the_app() -> str:
    from flask import current_app

    return current_app.import_name


def test_a_job_runs_in_an_app_context_and_plain_beats_are_thinned(app, monkeypatch, backend):
    redis = app.extensions["keyshop.redis"]
    queue = Queue(f"overrides-{uuid.uuid4().hex}", connection=redis)  # no other test's worker takes these
    jobs = [queue.enqueue(f"{__name__}.job_reads_the_app") for _ in range(3)]

    asked, sent = [], []
    rq_heartbeat = _defining(SimpleWorker, "heartbeat").heartbeat
    monkeypatch.setattr(AppWorker, "heartbeat", _spy(AppWorker.heartbeat, asked))
    monkeypatch.setattr(_defining(SimpleWorker, "heartbeat"), "heartbeat", _spy(rq_heartbeat, sent))
    worker = AppWorker([queue.name], connection=redis)
    worker.flask_app = app
    assert worker.last_heartbeat is None  # the first beat is always made
    try:
        worker.work(burst=True)
    finally:
        worker.register_death()

    assert [job.return_value() for job in jobs] == [app.import_name] * 3  # execute_job's app context
    assert asked, "RQ no longer calls heartbeat() while it works: AppWorker's override is dead code"
    plain_asked = [call for call in asked if call == ((), {})]
    plain_sent = [call for call in sent if call == ((None, None), {})]
    assert len(plain_sent) < len(plain_asked), (asked, sent)  # three jobs well within BEAT_AT_MOST_EVERY
    assert worker.last_heartbeat.tzinfo is not None
    # a skipped beat must not let the worker's key expire: it lives worker_ttl (minutes) after a beat
    assert BEAT_AT_MOST_EVERY.total_seconds() * 10 < worker.worker_ttl


def _spy(function, calls: list):
    def spy(self, *args, **kwargs):
        calls.append((args, kwargs))
        return function(self, *args, **kwargs)

    return spy
