"""keyshop: the Flask application factory. Kept light so domain packages can import app.models."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from app.core.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    from app.core.db import engine_options, tune_sqlite
    from app.core.embedded_redis import connect_redis
    from app.core.extensions import db
    from app.core.idle_ping import ping_after_idle
    from app.core.page_version import watch_page_writes
    from app.core.rate_limit import init_limiter
    from keystore.keyring import Keyring
    from payments.registry import build_providers

    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance), instance_relative_config=True)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        KEYSHOP=settings,
    )
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
        ping_after_idle(db.engine)
        watch_page_writes(db.engine)
    app.extensions["keyshop.keyring"] = Keyring.load_or_create(settings.keyring_path)
    app.extensions["keyshop.providers"] = build_providers(settings)
    app.extensions["keyshop.redis"] = connect_redis(settings)
    init_limiter(app)
    _register_blueprints(app)
    from delivery.webhooks.pace import schedule_after_commit

    schedule_after_commit()  # a transaction that owed webhooks queues their jobs once it commits
    for module in MAIL_MODULES:
        import_module(module)
    from app.core.i18n import init_i18n
    from app.web.security import secure

    init_i18n(app, settings.instance)
    secure(app, settings.base_url, settings.proxy_hops)
    return app


# Each composes a kind of mail (delivery.mail.composers): imported here, so that any worker composes
# every mail the shop owes, whichever jobs it ran before.
MAIL_MODULES = (
    "delivery.mail.order_mail",
    "delivery.mail.low_stock",
    "delivery.mail.lookup",
    "delivery.mail.staff_links",
    "delivery.ledger.alarm",
    "delivery.notifications.tell",
    "feedback.owner_mail",
    "feedback.support.mail",
    "feedback.help.notice_mail",
)


# The blueprints of app.web, in the order they register.
BLUEPRINTS = (
    "storefront",
    "aftersale",
    "support",
    "help",
    "widget",
    "lookup",
    "media",
    "pages",
    "api",
    "api_stock",
    "api_merchant",
    "api_refunds",
    "api_reports",
    "openapi",
    "webhooks",
    "payment_return",
    "sandbox",
    "health",
    "admin",
)


def _blueprint_modules() -> tuple:
    return tuple(import_module(f"app.web.{name}") for name in BLUEPRINTS)


def _register_blueprints(app: Flask) -> None:
    from app.web.csrf import csrf_token
    from app.web.errors import register_error_pages
    from app.web.hostile import guard_hostile_input
    from app.web.state_words import init_state_words
    from app.web.visitor import init_visitor

    guard_hostile_input(app)  # first: its `int` converter binds to the rules the blueprints add
    for module in _blueprint_modules():
        app.register_blueprint(module.bp)
    register_error_pages(app)
    init_visitor(app)
    init_state_words(app)
    app.jinja_env.globals["csrf_token"] = csrf_token
