"""Error pages (JSON under /api and /webhooks, HTML elsewhere), and the log line of a 500."""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app.core.logs import ROUTE, describe_exception, redact_path
from app.core.rate_limit import retry_after
from app.web.error_words import detail_of, when_to_retry, words_for

SHORTEST_SECRET = 8  # shorter values (ids, "en", "1") are no secret, and cutting them out garbles the traceback


def register_error_pages(app) -> None:
    # Flask's own line ("Exception on <path>") would carry the order or conversation token in the path.
    app.log_exception = lambda exc_info: log_server_error(app, exc_info)
    app.url_value_preprocessor(_name_route)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        wait = getattr(exc, "retry_after", None) or retry_after()
        headers = {"Retry-After": str(wait)} if exc.code == 429 and wait else {}
        if request.path.startswith(("/api/", "/webhooks/")):
            return jsonify(error={"message": exc.description or exc.name}), exc.code, headers
        return _error_page(exc, wait), exc.code, headers

    @app.after_request
    def _say_when_to_retry(response):
        """A 429 a view made itself (the staff sign-in's) says when, too."""
        if response.status_code == 429 and "Retry-After" not in response.headers and retry_after():
            response.headers["Retry-After"] = str(retry_after())
        return response


def _error_page(exc: HTTPException, wait: int | None) -> str:
    title, text = words_for(exc)
    return render_template(
        "error.html",
        error=exc,
        title=title,
        text=text,
        detail=detail_of(exc),
        wait=when_to_retry(wait) if exc.code == 429 else "",
        staff_page=request.blueprint == "admin",
    )


def log_server_error(app, exc_info) -> None:
    """The exception's type and traceback, under the route's rule (`/o/<token>`); any value of the
    URL long enough to be a secret is cut out of the traceback too."""
    route = _route()
    app.logger.error(
        "Exception on %s [%s]",
        route,
        request.method,
        extra={"route": route, **describe_exception(exc_info, _secrets_in_url())},
    )


def _name_route(_endpoint, _values) -> None:
    """For gunicorn's access log (app.core.logs.GunicornLog), which sees only the WSGI environ. Runs before
    the routing error of a path that matched nothing is raised, so the rule may be None."""
    request.environ[ROUTE] = _route()


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else redact_path(request.path)


def _secrets_in_url() -> tuple[str, ...]:
    values = [request.path, *(request.view_args or {}).values(), *request.args.values()]
    return tuple(value for value in values if isinstance(value, str) and len(value) >= SHORTEST_SECRET)
