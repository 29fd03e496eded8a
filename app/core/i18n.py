"""The buyer's language: chosen with ?lang=, remembered in a cookie, else the browser's; English
by default. Translations are .po files in app/translations, compiled at start into the instance
folder (compiled catalogs are build output, not source)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import Babel, get_locale, get_translations, gettext, lazy_gettext

from app.core.errors import BuyerError
from app.core.languages import LANGUAGES, NAMES, language_of
from app.core.money import format_money

COOKIE = "keyshop_lang"
SOURCE = Path(__file__).resolve().parent.parent / "translations"


def init_i18n(app: Flask, instance: Path) -> None:
    compiled = compile_catalogs(instance / "translations")
    Babel(app, locale_selector=select_locale, default_translation_directories=str(compiled))
    app.after_request(_remember_choice)
    # flask_babel's, with the catalog found once a request; the i18n extension adds this method
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        format_money=money, languages=NAMES, current_language=current_language, language_link=language_link
    )


def select_locale() -> str:
    if not has_request_context():  # a lazy message shown by the CLI or a job: English
        return "en"
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return language_of(request.accept_languages.best)


def _catalog():
    """This request's translations. flask_babel's lookup walks its context three times a call, and a
    page has dozens of words; kept with the locale it was found for, so a changed locale (flask_babel's
    refresh or force_locale) is found again."""
    if not has_app_context():
        return get_translations()
    space = g.get("_flask_babel")
    kept = getattr(space, "keyshop_catalog", None)
    if kept is not None and kept[0] is getattr(space, "babel_locale", None):
        return kept[1]
    catalog = get_translations()  # sets g._flask_babel.babel_locale
    space = g._flask_babel
    space.keyshop_catalog = (getattr(space, "babel_locale", None), catalog)
    return catalog


def current_language() -> str:
    return str(get_locale() or "en").split("_")[0]


def language_link(language: str) -> str:
    """This page in another language: its address with `lang` set and its other parameters kept
    (an admin list's filter and page stay as they were)."""
    wanted = request.args.to_dict(flat=False)
    wanted["lang"] = [language]
    return f"{request.path}?{urlencode(wanted, doseq=True)}"


def money(minor: int, currency: str) -> str:
    """Prices as the buyer's language writes them (9,99 € in German, €9.99 in English)."""
    return format_money(minor, currency, current_language())


def compile_catalogs(target: Path) -> Path:
    """Each .po to a .mo under `target`, when the .mo is missing or older."""
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(SOURCE).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source, mo.open("wb") as out:
            write_mo(out, read_po(source))
    return target


def _remember_choice(response):
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


FIELDS = dict(  # each a literal, so that extraction finds it
    product=lazy_gettext("product"),
    quantity=lazy_gettext("quantity"),
    email=lazy_gettext("email"),
    method=lazy_gettext("method"),
    reason=lazy_gettext("reason"),
    order=lazy_gettext("order"),
    code=lazy_gettext("code"),
    review=lazy_gettext("review"),
    stars=lazy_gettext("stars"),
    text=lazy_gettext("text"),
    attachment=lazy_gettext("attachment"),
    topic=lazy_gettext("topic"),
    message=lazy_gettext("message"),
    rating=lazy_gettext("rating"),
    score=lazy_gettext("score"),
    comment=lazy_gettext("comment"),
    name=lazy_gettext("name"),
)


def translated_error(exc: BuyerError) -> str:
    """`field: message` in the buyer's language (English where a message has no translation)."""
    text = gettext(exc.message, **exc.params) if exc.params else gettext(exc.message)
    field = FIELDS.get(exc.field)
    return f"{field}: {text}" if field else text
