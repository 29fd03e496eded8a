"""`keyshop codes …`: batch import with a progress bar and a line-numbered summary."""
from __future__ import annotations

import os
import sys

import click


@click.group()
def codes():
    """Encrypted codes."""


@codes.command("import")
@click.argument("slug")
@click.argument("file", type=click.File("rb"))
@click.option("--name", help="batch name (default: the file name)")
@click.option("--dry-run", is_flag=True, help="show the result without storing anything")
def import_command(slug, file, name, dry_run):
    """Import a TXT batch, one code a line. Exits 1 when nothing was imported."""
    from app.cli import make_app
    from app.extensions import db
    from app.products import ProductError, product_id_for
    from delivery.backorders import release_waiting_orders
    from keystore.importer import import_codes, read_txt

    app = make_app()
    with app.app_context():
        try:
            product_id = product_id_for(db.session, slug)
        except ProductError as exc:
            raise click.ClickException(str(exc)) from None
        size = _size(file)
        with click.progressbar(length=size or None, label="importing", file=sys.stderr) as bar:
            counter = _ByteCounter(file, bar)
            result = import_codes(db.session, app.extensions["keyshop.keyring"], product_id, read_txt(counter),
                                  name=name or os.path.basename(file.name), source="cli", dry_run=dry_run)
        _print_summary(result, dry_run)
        if result.imported and not dry_run:
            released = release_waiting_orders(db.session, product_id)
            if released:
                click.echo(f"{released} waiting order(s) sent to delivery")
    if result.imported == 0:
        raise SystemExit(1)


def _print_summary(result, dry_run: bool) -> None:
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {result.imported}, duplicate {len(result.duplicates)}, rejected {len(result.rejected)}")
    for problem in result.problems[:200]:
        click.echo(f"  line {problem.line}: {problem.reason}")
    if len(result.problems) > 200:
        click.echo(f"  … and {len(result.problems) - 200} more")


def _size(file) -> int:
    try:
        return os.fstat(file.fileno()).st_size
    except (OSError, ValueError):
        return 0


class _ByteCounter:
    """Iterates the file's lines and moves the progress bar by the bytes read."""

    def __init__(self, file, bar):
        self._file, self._bar = file, bar

    def __iter__(self):
        for line in self._file:
            self._bar.update(len(line))
            yield line
