"""A sweeper process on a clock of the test's choosing: `python -m tests.feedback.support.sweeper
<folder> <processes> <instant>...` sweeps the support deadlines once per instant, each round started
together with the other processes (a barrier of files in <folder>), and prints a line per round:
"<at risk told> <missed told>"."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path


def main(folder: str, processes: int, instants: list[str]) -> None:
    from sqlalchemy import text

    from app import create_app
    from app.core.extensions import db
    from feedback.support.deadlines import notify_at_risk, notify_overdue

    app = create_app()
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connected before the barrier, so the rounds overlap
        db.session.rollback()
        for number, instant in enumerate(instants):
            _barrier(Path(folder) / f"round-{number}", processes)
            now = datetime.fromisoformat(instant)
            print(notify_at_risk(db.session, now=now), notify_overdue(db.session, now=now), flush=True)


def _barrier(folder: Path, processes: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).touch()
    while len(list(folder.iterdir())) < processes:
        time.sleep(0.005)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
