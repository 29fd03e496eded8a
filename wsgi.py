"""Entry point for gunicorn: `gunicorn wsgi:app` (what `keyshop web` and `keyshop serve` run)."""

from app import create_app
from app.core.logs import configure_logging

configure_logging()
app = create_app()
