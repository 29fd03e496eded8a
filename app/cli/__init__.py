"""The `keyshop` console script. Commands call services; they hold no business rules themselves."""

from __future__ import annotations

import sys

import click

from app.core.settings import SettingsError


class _CleanErrors(click.Group):
    """A bad setting or keyring ends the command with one clear line, not a traceback."""

    def invoke(self, ctx):
        from keystore.keyring import KeyringError

        try:
            return super().invoke(ctx)
        except (SettingsError, KeyringError) as exc:
            click.echo(f"keyshop: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_CleanErrors)
def main():
    """keyshop: a digital-goods shop that delivers codes the moment a payment lands."""


def make_app():
    from app import create_app

    return create_app()


def make_checked_app():
    """The app, after checking that the keyring opens the stored codes (for long-running commands)."""
    from app.core.extensions import db
    from keystore.check import verify_keyring

    app = make_app()
    with app.app_context():
        verify_keyring(db.session, app.extensions["keyshop.keyring"])
        db.session.remove()
    return app


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply every migration."""
    from app.cli.setup import upgrade_database

    app = make_app()
    with app.app_context():
        upgrade_database()
    click.echo("database is up to date")


@main.group()
def product():
    """Products."""


@product.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--price", required=True, help="in major units, e.g. 9.99")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. USD")
@click.option("--description", default="")
@click.option("--format", "code_format", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@click.option("--columns", default="", help="CSV columns, e.g. account,password,note (the first identifies a code)")
@click.option(
    "--normalise",
    type=click.Choice(["none", "case", "case_dashes"]),
    default="none",
    show_default=True,
    help="what duplicate detection ignores",
)
@click.option("--reusable", is_flag=True, help="one shared code delivered to every buyer")
@click.option("--stock-display", type=click.Choice(["state", "count"]), default="state", show_default=True)
@click.option("--low-stock", type=int, default=5, show_default=True, help="tell the owner at or below this")
def product_create(
    slug, name, price, currency, description, code_format, columns, normalise, reusable, stock_display, low_stock
):
    """Create a product; its price is stored in minor units."""
    from app.core.extensions import db as database
    from app.core.products import CodeOptions, ProductError, create_product

    options = CodeOptions(code_format, columns, normalise, reusable, stock_display, low_stock)
    app = make_app()
    with app.app_context():
        try:
            created = create_product(
                database.session,
                slug=slug,
                name=name,
                price=price,
                currency=currency,
                description=description,
                options=options,
            )
        except ProductError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"created product {created.slug}: {created.name} at {created.price}")


from app.cli.admin import admin, api_token  # noqa: E402  (registered after the group exists)
from app.cli.check import check  # noqa: E402
from app.cli.codes import codes  # noqa: E402
from app.cli.keys import keys  # noqa: E402
from app.cli.run import serve, sweep, web, worker  # noqa: E402

for command in (admin, api_token, check, codes, keys, serve, web, worker, sweep):
    main.add_command(command)
