"""The words of proactive notes: the widget shows them and the mail carries them, in the language
of the order. They are gettext messages, translated in app/translations like the pages."""

from __future__ import annotations

from delivery.mail.compose import translate


def _(words: str) -> str:
    """Marks words for `make messages`; they are translated when shown, in the order's language."""
    return words


WORDS = {
    "backorder": _(
        "Your order %(number)s is still waiting for stock. We deliver it the moment stock arrives; "
        "if that takes too long, we refund you automatically."
    ),
    "reported": _(
        "We got your report on order %(number)s. We are checking the code and will replace it or "
        "refund you; you will hear from us on the order page and by email."
    ),
    "repeat_views": _("Questions about %(product)s? Our help center explains how to redeem it, or ask us directly."),
}


def notice_text(locale: str, kind: str, **values) -> str:
    return translate(locale, WORDS[kind], **values)
