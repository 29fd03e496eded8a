"""`keyshop admin create EMAIL`: a staff account; the password is asked for, or read from stdin."""

from __future__ import annotations

import sys

import click

from app.core.api_scopes import SCOPES


@click.group()
def admin():
    """Staff accounts."""


@admin.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["owner", "agent"]), default="owner", show_default=True)
def create(email, role):
    """Create a staff account."""
    from app.cli import make_app
    from app.core.extensions import db
    from app.core.staff import StaffError, create_staff

    password = _read_password()
    app = make_app()
    with app.app_context():
        try:
            create_staff(db.session, email, password, role, actor="cli")
        except StaffError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"created {role} {email.strip().lower()}; sign in at {app.config['KEYSHOP'].base_url}/admin/")


@admin.command("two-factor-off")
@click.argument("email")
def two_factor_off(email):
    """Turn off two-factor for an account whose phone is lost (audited)."""
    from app.cli import make_app
    from app.core.extensions import db
    from app.core.two_factor import TwoFactorError, reset

    with make_app().app_context():
        try:
            reset(db.session, email)
        except TwoFactorError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"two-factor is off for {email.strip().lower()}; they sign in with their password and set it up again")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.group("api-token")
def api_token():
    """Tokens for scripts: upload batches, read stock and orders, ask for refunds (docs/api.md)."""


@api_token.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
def create_api_token(name, scopes):
    """Create a token; it is printed once and stored only as a digest."""
    from app.cli import make_app
    from app.core.api_tokens import create_token
    from app.core.extensions import db

    app = make_app()
    with app.app_context():
        secret = create_token(db.session, name, list(scopes), "cli")
    click.echo(secret)
