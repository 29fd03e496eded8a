"""Hostile input is refused at the door, before any view runs: a character no column can store or no
field can mean (NUL, which PostgreSQL refuses in text; a lone surrogate, which no encoder writes;
other C0 controls), anywhere a request carries text, and a number no column holds. The answer is a
400 naming the field, as JSON where the client speaks JSON and as the error page elsewhere, so a
view never meets such a value and nothing is written. Numbers inside the ranges are the views' own
business (tests/app/web/test_hostile_input.py, test_route_sweep.py)."""

from __future__ import annotations

import math
import re

from flask import Flask, jsonify, request
from werkzeug.exceptions import BadRequest

from app.web.numbers import MAX_BIGINT, MIN_BIGINT, DatabaseId

# Text a person writes keeps tab and line breaks; a name, path, query or file name keeps none.
UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
JSON_PREFIXES = ("/api/", "/widget/", "/webhooks/")
# Bodies and fields that are files in all but name: the importer reads them and rejects bad lines
# itself. Webhook bodies are the provider's signed bytes, read only by its adapter once they verify.
RAW_BODY = {"api_stock.upload_batch"}
FILE_LIKE = {("admin.upload", "codes")}
MAX_JSON_DEPTH = 20  # no body this shop reads nests past 3
MAX_QUERY_VALUE = 8192  # longer than any link this shop makes (a sandbox session: under 2,000)


class Hostile(Exception):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = _printable(field), reason
        super().__init__(f"{self.field}: {reason}")


def guard_hostile_input(app: Flask) -> None:
    """Called before any blueprint is registered: the `int` converter is bound when a rule is added."""
    app.url_map.converters["int"] = DatabaseId
    app.before_request(_refuse_hostile)


def _refuse_hostile():
    try:
        _check_request()
    except Hostile as refused:
        if request.path.startswith(JSON_PREFIXES) or request.is_json or _wants_json():
            return jsonify(error={"message": str(refused), "field": refused.field}), 400
        raise BadRequest(str(refused)) from None
    return None


def _wants_json() -> bool:
    """A script's fetch (the help center's suggestions) asks for JSON and gets its refusal in JSON."""
    return request.accept_mimetypes.best == "application/json"


def _check_request() -> None:
    for name, value in (request.view_args or {}).items():  # a matched segment is named; then the rest
        if isinstance(value, str):
            _check_text(value, name, UNSAFE_NAME)
    _check_text(request.path, "path", UNSAFE_NAME)
    for name, value in request.args.items(multi=True):
        _check_text(name, name, UNSAFE_NAME)
        _check_text(value, name, UNSAFE_NAME)
        if len(value) > MAX_QUERY_VALUE:  # a search of 70,000 characters is "too complex" for SQLite's LIKE
            raise Hostile(name, f"at most {MAX_QUERY_VALUE} characters")
    if request.blueprint == "webhooks" or request.endpoint in RAW_BODY:
        return  # bytes read whole by the view (parsing them as a form here would leave it nothing)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_form()
    elif request.is_json:
        _check_json(_parsed_json())


def _check_form() -> None:
    for name, value in request.form.items(multi=True):
        _check_text(name, name, UNSAFE_NAME)
        if (request.endpoint, name) not in FILE_LIKE:
            _check_text(value, name, UNSAFE_TEXT)
    for name, upload in request.files.items(multi=True):
        _check_text(name, name, UNSAFE_NAME)
        _check_text(upload.filename or "", name, UNSAFE_NAME, "the file name")


def _check_json(body) -> None:
    """Every string and number, keys too, without recursion (a body may nest thousands deep); a field
    is named by its top-level key, as the API names its fields."""
    pending = [(body, None, 0)]
    while pending:
        value, field, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise Hostile(field or "body", "nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, field or key, UNSAFE_NAME, "a key")
                pending.append((item, field or key, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, field or "body", depth + 1) for item in value)
        else:
            _check_scalar(value, field or "body")


def _check_scalar(value, field: str) -> None:
    if isinstance(value, str):
        _check_text(value, field, UNSAFE_TEXT)
    elif isinstance(value, float) and not math.isfinite(value):
        raise Hostile(field, "a number too large to hold")
    elif isinstance(value, int) and not isinstance(value, bool) and not MIN_BIGINT <= value <= MAX_BIGINT:
        raise Hostile(field, "a number too large to hold")


def _parsed_json():
    """The body as JSON (None if it is not); one nested past the parser's own limit is refused here,
    where a view's get_json() would raise RecursionError."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise Hostile("body", "nested too deeply") from None


def _check_text(text: str, field: str, unsafe: re.Pattern, what: str = "") -> None:
    if unsafe.search(text):
        where = f"{what} " if what else ""
        raise Hostile(
            field, f"{where}holds a character that is not allowed there (NUL, a control character or a lone surrogate)"
        )


def _printable(field: str) -> str:
    """A field's own name may be the hostile part: it is named with those characters replaced."""
    return UNSAFE_NAME.sub("\ufffd", field)[:100]
