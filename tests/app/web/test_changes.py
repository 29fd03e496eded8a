"""The change counter the route sweep and the API fuzzing trust to see a refused request change a row."""

from __future__ import annotations

from sqlalchemy import text

from app.core.extensions import db
from tests.app.web.changes import changes, count_changes, uncount_changes


def test_the_change_counter_counts_rows_really_changed(app):
    """What the sweep relies on: an insert, a real update and a delete count; an update to the same
    values and a refused sign-in's audit row do not."""
    count_changes(app)
    try:
        with app.app_context():
            block = "INSERT INTO blocks (kind, value, reason, created_by, created_at) VALUES"
            audit = "INSERT INTO audit_log (actor, action, target, reason, detail, created_at) VALUES"
            statements = [
                (f"{block} ('email', 'a@x.test', 'r', 'o', '2026-01-01')", 1),
                ("UPDATE blocks SET reason = 'r'", 0),
                ("UPDATE blocks SET reason = 'other'", 1),
                ("DELETE FROM blocks", 1),
                (f"{audit} ('x', 'shop.staff.sign_in_failed', '', '', '', '2026-01-01')", 0),
                (f"{audit} ('x', 'shop.staff.signed_in', '', '', '', '2026-01-01')", 1),
            ]
            for statement, counted in statements:
                before = changes(app)
                db.session.execute(text(statement))
                db.session.commit()
                assert changes(app) - before == counted, statement
    finally:
        uncount_changes(app)
