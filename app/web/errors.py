"""Error pages: JSON under /api and /webhooks, HTML elsewhere."""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def register_error_pages(app) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith(("/api/", "/webhooks/")):
            return jsonify(error={"message": exc.description or exc.name}), exc.code
        return render_template("error.html", error=exc), exc.code
