"""What delivery.scheduled.ScheduledJobs takes from RQ's scheduler is still there, with the defaults it needs.

ScheduledJobs drives RQScheduler's lock and enqueue steps from a thread of the worker instead of letting RQ
fork a scheduler process (which outlived killed workers, holding their database connections). It calls
methods RQ documents for its own scheduler loop; if they change, the delayed retries of mail and refunds
stop coming back. tests/delivery/test_scheduled.py checks the behaviour.
"""

from __future__ import annotations

from rq.scheduler import RQScheduler

from tests.signatures import defaults, parameters


def test_the_scheduler_is_still_made_from_queues_a_connection_and_an_interval():
    assert parameters(RQScheduler.__init__)[:4] == ["self", "queues", "connection", "interval"]


def test_taking_the_locks_starts_no_process_unless_asked():
    assert parameters(RQScheduler.acquire_locks) == ["self", "auto_start"]
    assert defaults(RQScheduler.acquire_locks) == {"auto_start": False}


def test_moving_due_jobs_and_releasing_the_locks_take_no_arguments():
    assert parameters(RQScheduler.enqueue_scheduled_jobs) == ["self"]
    assert parameters(RQScheduler.release_locks) == ["self"]
