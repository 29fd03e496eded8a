"""Delayed retries go back onto their queues from a worker thread, one worker per queue at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq import Queue
from rq.registry import ScheduledJobRegistry

from delivery.scheduled import ScheduledJobs


def test_a_due_retry_goes_back_on_its_queue_and_a_later_one_waits(app):
    redis = app.extensions["keyshop.redis"]
    queue = Queue("notify", connection=redis)
    due = queue.enqueue_at(datetime.now(UTC) - timedelta(seconds=1), "delivery.jobs.send_owed_mail")
    later = queue.enqueue_in(timedelta(hours=1), "delivery.jobs.send_owed_mail")

    assert ScheduledJobs(["notify"], redis).move_due_jobs() is True
    assert queue.job_ids == [due.id]
    assert ScheduledJobRegistry("notify", connection=redis).get_job_ids() == [later.id]


def test_one_worker_at_a_time_moves_a_queue_and_a_stopping_one_hands_it_over(app):
    redis = app.extensions["keyshop.redis"]
    first, second = ScheduledJobs(["notify"], redis), ScheduledJobs(["notify"], redis)
    assert first.move_due_jobs() is True
    assert second.move_due_jobs() is False
    first.release()
    assert second.move_due_jobs() is True
