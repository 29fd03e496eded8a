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
@click.option("--supplier", default="", help="who supplied the batch (complaint rates are kept per supplier)")
@click.option("--dry-run", is_flag=True, help="show the result without storing anything")
@click.option("--resume", "resume_batch", type=int, help="finish an interrupted import of this file (batch id)")
def import_command(slug, file, name, supplier, dry_run, resume_batch):
    """Import a batch: TXT (one code a line) or CSV, as the product says. Exits 1 when nothing was imported."""
    from app.cli import make_app
    from app.core.extensions import db
    from app.core.products import ProductError, product_for
    from delivery.backorders import release_waiting_orders
    from keystore.formats import ImportFileError
    from keystore.importer import import_codes
    from keystore.readers import reader_for

    app = make_app()
    with app.app_context():
        try:
            product = product_for(db.session, slug)
        except ProductError as exc:
            raise click.ClickException(str(exc)) from None
        size = _size(file)
        try:
            with click.progressbar(length=size or None, label="importing", file=sys.stderr) as bar:
                lines = reader_for(product)(_ByteCounter(file, bar))
                result = import_codes(
                    db.session,
                    app.extensions["keyshop.keyring"],
                    product.id,
                    lines,
                    name=name or os.path.basename(file.name),
                    source="cli",
                    supplier=supplier,
                    dry_run=dry_run,
                    resume_batch_id=resume_batch,
                )
        except (ImportFileError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
        print_summary(result, dry_run)
        if result.imported and not dry_run:
            released = release_waiting_orders(db.session, product.id)
            if released:
                click.echo(f"{released} waiting order(s) sent to delivery")
    if result.imported == 0:
        raise SystemExit(1)


def print_summary(result, dry_run: bool) -> None:
    verb = "would import" if dry_run else "imported"
    batch = f" into batch {result.batch_id}" if result.batch_id else ""
    click.echo(f"{verb} {result.imported}{batch}, duplicate {result.duplicate_count}, rejected {result.rejected_count}")
    listed = result.problems
    for problem in listed[:200]:
        click.echo(f"  line {problem.line}: {problem.reason}")
    unlisted = result.duplicate_count + result.rejected_count - min(len(listed), 200)
    if unlisted > 0:
        click.echo(f"  … and {unlisted} more")


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
