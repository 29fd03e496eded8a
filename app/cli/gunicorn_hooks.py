"""gunicorn's hooks (`--config python:app.cli.gunicorn_hooks`). The app is loaded once, in the master
(`--preload`), and forked: each web process starts in milliseconds instead of importing the app
again (about 1.5 s of CPU each). A fork must not share the master's database connections, so each
worker drops any it inherited; Redis clients reconnect by themselves when their process id changes."""

from __future__ import annotations


def post_fork(_server, _worker) -> None:
    from app.core.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
