"""Refusals a buyer reads. Each names its field and carries its message as a translatable
template with named values, so the API can say `email: is not an email address` in English and a
page can say it in the buyer's language."""

from __future__ import annotations


class BuyerError(ValueError):
    """`field: message`. `message` is an English gettext msgid with %(name)s placeholders; the
    web layer shows `gettext(message, **params)` (see app.i18n.translated_error)."""

    def __init__(self, field: str, message: str, **params):
        self.field, self.message, self.params = field, message, params
        super().__init__(f"{field}: {message % params if params else message}")
