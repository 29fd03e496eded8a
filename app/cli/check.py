"""`keyshop check`: read the ledger and print every broken invariant; exit 1 when one is broken."""

from __future__ import annotations

import sys

import click


@click.command()
def check():
    """Check the shop's books: codes, orders, payments, refunds, imports and uploads."""
    from app.cli import make_app
    from app.core.extensions import db
    from delivery.ledger import check_ledger, invariant_names

    app = make_app()
    with app.app_context():
        breaches = check_ledger(db.session, app.config["KEYSHOP"].instance)
    for breach in breaches:
        click.echo(f"BROKEN {breach.invariant}: {breach.detail}")
    names = invariant_names()
    if breaches:
        broken = len({breach.invariant for breach in breaches})
        click.echo(f"{broken} of {len(names)} invariants broken ({len(breaches)} breach(es))")
        sys.exit(1)
    click.echo(f"all {len(names)} invariants hold: {', '.join(names)}")
