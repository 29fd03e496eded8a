"""SQLite writers queue on an flock, across processes and threads, and write_transaction takes its turn."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from app.core.db import write_transaction
from app.core.extensions import db
from app.core.sqlite_writers import WriterQueue, writer_queue

HOLD_TURN = """
import sys, time
from app.core.sqlite_writers import WriterQueue
with WriterQueue(sys.argv[1]).turn():
    print("holding", flush=True)
    time.sleep(0.5)
    print(repr(time.time()), flush=True)
"""


def _hold_in_another_process(database_path: str) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_TURN, database_path], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "holding\n"
    return holder


def _released_at(holder: subprocess.Popen) -> float:
    released = float(holder.stdout.readline())
    holder.wait(timeout=10)
    return released


def test_a_writer_waits_for_another_process_to_finish_its_turn(tmp_path):
    path = str(tmp_path / "shop.db")
    holder = _hold_in_another_process(path)
    with WriterQueue(path).turn():
        started = time.time()
    assert started >= _released_at(holder)


def test_threads_of_one_process_take_turns(tmp_path):
    queue, order = WriterQueue(str(tmp_path / "shop.db")), []

    def write(name):
        with queue.turn():
            order.append(f"{name} in")
            time.sleep(0.05)
            order.append(f"{name} out")

    threads = [threading.Thread(target=write, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(order) == 6
    assert all(order[i][0] == order[i + 1][0] and order[i].endswith("in") for i in range(0, 6, 2))


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL queues its writers itself
def test_write_transaction_on_sqlite_takes_its_turn(app):
    with app.app_context():
        holder = _hold_in_another_process(db.engine.url.database)
        with write_transaction(db.session):
            began = time.time()
            db.session.execute(text("SELECT 1"))
        db.session.remove()
    assert began >= _released_at(holder)


def test_an_in_memory_database_has_no_queue():
    assert writer_queue(":memory:") is None and writer_queue(None) is None
