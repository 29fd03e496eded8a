"""What the periodic sweeper (delivery.periodic) and `keyshop sweep` also do for after-sale and
support, each `(session, older_than_seconds) -> count`."""

from __future__ import annotations

from feedback.held_deadlines import notify_held_reports
from feedback.help.notices import sweep_notices
from feedback.jobs import sweep_reports
from feedback.support.deadlines import notify_at_risk, notify_overdue

# undecided reports re-enqueued; conversations whose deadline is newly at risk, or newly missed,
# told; proactive notes written and mailed; held reports near or past their decision deadline told
SWEEPS = (sweep_reports, notify_at_risk, notify_overdue, sweep_notices, notify_held_reports)
