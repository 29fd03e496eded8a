"""The order state machine: the table is whole (every state reachable, one target per event), the
code makes only the table's moves (statically: nothing outside app.core.order_states writes
orders.status; at run time: the trigger of tests.order_guard, on every test's database), and the
database agrees with the states."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from app.core import order_states
from app.core.db import write_transaction
from app.core.extensions import db
from app.core.models import Order
from app.core.order_states import INITIAL, ORDER_STATUSES, TARGETS, TRANSITIONS
from tests.order_guard import REFUSAL
from tests.shop import make_product, place

ROOT = Path(__file__).resolve().parents[3]
SOURCE = [
    path
    for package in ("app", "payments", "delivery", "feedback", "keystore")
    for path in sorted((ROOT / package).rglob("*.py"))
    if path != ROOT / "app/core/order_states.py"
]


def test_every_state_is_reachable_from_the_initial_one():
    reached, frontier = {INITIAL}, [INITIAL]
    while frontier:
        state = frontier.pop()
        for to in [to for source, _, to in TRANSITIONS if source == state and to not in reached]:
            reached.add(to)
            frontier.append(to)
    assert reached == set(ORDER_STATUSES)


def test_the_table_names_only_states_and_each_event_has_one_target():
    assert len(set(ORDER_STATUSES)) == len(ORDER_STATUSES)
    assert {state for source, _, to in TRANSITIONS for state in (source, to)} <= set(ORDER_STATUSES)
    assert len({(event, to) for _, event, to in TRANSITIONS}) == len(TARGETS)
    assert len(set(TRANSITIONS)) == len(TRANSITIONS)
    assert all(source != to for source, _, to in TRANSITIONS)


def test_a_move_outside_the_table_cannot_be_built():
    with pytest.raises(KeyError):
        order_states.statement("shipped", Order.id == 1)
    with pytest.raises(ValueError):
        order_states.statement("paid", Order.id == 1, status="delivered")


def test_the_events_the_code_makes_are_the_tables_and_all_of_them_are_made():
    made = {event for path in SOURCE for event in _events_made(ast.parse(path.read_text()))}
    assert made == set(TARGETS)


def _events_made(tree: ast.AST) -> list[str]:
    """The first argument given to order_states.move(session, id, EVENT) or .statement(EVENT, ...)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if ast.unparse(node.func.value) == "order_states" and node.func.attr in ("move", "statement"):
                argument = node.args[2 if node.func.attr == "move" else 0]
                assert isinstance(argument, ast.Constant), f"an event must be named: {ast.unparse(node)}"
                found.append(argument.value)
    return found


def test_nothing_outside_the_state_module_writes_an_orders_status():
    writes = [
        f"{path.relative_to(ROOT)}:{line}: {code}" for path in SOURCE for line, code in status_writes(path.read_text())
    ]
    assert writes == []


def status_writes(source: str) -> list[tuple[int, str]]:
    """Writes of orders.status: an UPDATE of Order / orders with status= (or **values), an
    `<order>.status = …`, an Order(status=…), or SQL text updating orders' status."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if _updates_order_status(node) or _assigns_order_status(node) or _creates_order_in_a_state(node):
            found.append((node.lineno, ast.unparse(node)[:120]))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
            found.append((node.lineno, node.value[:120]))
    return found


_SQL = re.compile(r"\bUPDATE\s+orders\b.*?\bSET\b.*?\bstatus\s*=", re.IGNORECASE | re.DOTALL)


def _updates_order_status(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values"):
        return False
    # **values may carry a status: a generic helper is a way round the table
    sets_status = any(k.arg in ("status", None) for k in node.keywords) or any(
        isinstance(a, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "status" for k in a.keys)
        for a in node.args
    )
    return sets_status and re.search(r"\bupdate\((Order\b|orders\b)", ast.unparse(node.func.value)) is not None


def _assigns_order_status(node: ast.AST) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
    return any(
        isinstance(t, ast.Attribute) and t.attr == "status" and "order" in ast.unparse(t.value).lower() for t in targets
    )


def _creates_order_in_a_state(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) == "Order"
        and any(k.arg == "status" for k in node.keywords)
    )


@pytest.mark.parametrize(
    "source",
    [
        'update(Order).where(Order.id == 1).values(status="paid")',
        'update(Order.__table__).where(Order.id == 1).values(paid_at=now, status="paid").returning(Order.id)',
        'update(Order).values({"status": "refunded"})',
        "update(Order).where(Order.id == order_id, Order.status.in_(expected)).values(**values)",
        'order.status = "delivered"',
        'Order(number="KS-1", status="paid")',
        "text(\"UPDATE orders SET paid_at = :now, status = 'paid' WHERE id = :id\")",
    ],
)
def test_the_status_write_finder_finds_each_kind_of_write(source):
    assert status_writes(source)


@pytest.mark.parametrize(
    "source",
    [
        'update(Code).where(Code.id == 1).values(status="available")',
        'update(Order.__table__).where(Order.id == 1, Order.status == "delivered").values(shared_code_id=2)',
        'conversation.status = "open"',
        'order_states.move(session, order_id, "paid", paid_at=now)',
    ],
)
def test_the_status_write_finder_leaves_other_writes_alone(source):
    assert status_writes(source) == []


def test_the_database_refuses_a_move_the_table_does_not_name(app):
    """The guard the whole suite runs under does fire: pending -> delivered skips the payment."""
    make_product(app, "card")
    placed = place(app, "card")
    with app.app_context():
        with pytest.raises(DBAPIError, match=REFUSAL), write_transaction(db.session):
            db.session.execute(text("UPDATE orders SET status = 'delivered' WHERE id = :id"), {"id": placed.order_id})
        with write_transaction(db.session):
            assert order_states.move(db.session, placed.order_id, "paid")
        assert db.session.scalar(select(Order.status).where(Order.id == placed.order_id)) == "paid"
        db.session.remove()


def test_the_database_holds_every_state(app):
    """orders.status has no CHECK constraint (migrations/versions); one added later must allow every
    state, and the column must hold the longest name."""
    assert Order.__table__.c.status.default.arg == INITIAL
    assert Order.__table__.c.status.type.length >= max(map(len, ORDER_STATUSES))
    with app.app_context():
        checks = inspect(db.engine).get_check_constraints("orders")
        db.session.remove()
    for check in checks:
        if "status" in check["sqltext"]:
            assert all(f"'{state}'" in check["sqltext"] for state in ORDER_STATUSES), check
