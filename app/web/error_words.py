"""What an error page says, in the reader's language: a title and what to do, per status; the
form that expired; and, for 429, when to try again."""

from __future__ import annotations

from flask_babel import lazy_gettext, ngettext
from werkzeug.exceptions import BadRequest, HTTPException

WORDS = {  # each a literal, so that extraction finds it
    400: (lazy_gettext("This request could not be used"), lazy_gettext("Something in it is missing or not allowed.")),
    403: (lazy_gettext("Not allowed"), lazy_gettext("Your account may not open this page. An owner can.")),
    404: (lazy_gettext("There is nothing here"), lazy_gettext("The address may be mistyped, or the page was removed.")),
    405: (
        lazy_gettext("Not like this"),
        lazy_gettext("This page cannot be used this way. Go back and use its buttons."),
    ),
    413: (lazy_gettext("Too large"), lazy_gettext("What was sent is larger than this page accepts.")),
    429: (lazy_gettext("Too many attempts"), lazy_gettext("Please wait a little before trying again.")),
    500: (
        lazy_gettext("Something went wrong on our side"),
        lazy_gettext("It was not your doing. Please try again in a moment."),
    ),
}
OTHER = (lazy_gettext("This did not work"), lazy_gettext("Please go back and try again."))


class FormExpired(BadRequest):
    """The form's CSRF token is missing or stale: a page left open past a sign-out, a lost cookie."""

    description = "the form expired or did not come from this site; reload the page and try again"


EXPIRED = (
    lazy_gettext("This form has expired"),
    lazy_gettext("It is too old, or it did not come from this site. Go back, reload the page and send the form again."),
)


def words_for(error: HTTPException) -> tuple[str, str]:
    title, text = EXPIRED if isinstance(error, FormExpired) else WORDS.get(error.code or 500, OTHER)
    return str(title), str(text)


def detail_of(error: HTTPException) -> str:
    """What the code that refused said (a field's name, a limit), unless it is Werkzeug's stock text."""
    if isinstance(error, FormExpired) or error.description == type(error).description:
        return ""
    return error.description or ""


def when_to_retry(seconds: int | None) -> str:
    if not seconds:
        return ""
    if seconds < 120:
        return ngettext("Try again in %(num)d second.", "Try again in %(num)d seconds.", seconds)
    minutes = -(-seconds // 60)
    if minutes < 120:
        return ngettext("Try again in %(num)d minute.", "Try again in %(num)d minutes.", minutes)
    hours = -(-minutes // 60)
    return ngettext("Try again in %(num)d hour.", "Try again in %(num)d hours.", hours)
