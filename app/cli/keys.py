"""`keyshop keys …`: rotate the code-encryption key, retire old keys, see which key seals what.

Besides the codes, the keyring seals values of other layers (SEALED_ELSEWHERE): each command takes
them in, so a rotation re-seals them too and no key they need is retired."""

from __future__ import annotations

import click


def _sealed_elsewhere():
    from delivery.chat.resealing import CHAT_URLS

    return (CHAT_URLS,)


@click.group()
def keys():
    """The keyring (KEYSHOP_KEYRING)."""


@keys.command("rotate")
@click.option("--resume", is_flag=True, help="finish an interrupted rotation without adding another key")
@click.option("--batch", default=1000, show_default=True, help="codes re-sealed per transaction")
def rotate(resume, batch):
    """Add a new active key and re-seal every code under it, in batches; safe to run again."""
    from app.cli import make_app
    from app.core.audit import audit
    from app.core.db import write_transaction
    from app.core.extensions import db
    from keystore.check import verify_keyring
    from keystore.rotation import add_active_key, codes_per_key, reseal_all

    app = make_app()
    with app.app_context():
        keyring, path = app.extensions["keyshop.keyring"], app.config["KEYSHOP"].keyring_path
        verify_keyring(db.session, keyring)
        if not resume:
            key_id = add_active_key(keyring, path)
            click.echo(f"new active key {key_id}")
        pending = sum(n for k, n in codes_per_key(db.session).items() if k != keyring.active)
        with click.progressbar(length=pending, label="re-sealing") as bar:
            done = reseal_all(db.session, keyring, progress=bar.update, batch=batch)
        others = [f"{other.reseal(db.session, keyring)} {other.what}" for other in _sealed_elsewhere()]
        detail = "re-sealed " + ", ".join([f"{done} code(s)", *others])
        with write_transaction(db.session):
            audit(db.session, "cli", "keystore.keys.rotated", f"key:{keyring.active}", detail=detail)
        click.echo(f"{detail}; every sealed value is now under {keyring.active}")


@keys.command("retire")
@click.argument("key_id")
def retire(key_id):
    """Remove a key that no code uses any more."""
    from app.cli import make_app
    from app.core.audit import audit
    from app.core.db import write_transaction
    from app.core.extensions import db
    from keystore.rotation import retire_key

    app = make_app()
    with app.app_context():
        keyring, path = app.extensions["keyshop.keyring"], app.config["KEYSHOP"].keyring_path
        retire_key(db.session, keyring, path, key_id, others=_sealed_elsewhere())
        with write_transaction(db.session):
            audit(db.session, "cli", "keystore.keys.retired", f"key:{key_id}")
    click.echo(f"retired key {key_id}")


@keys.command("status")
def status():
    """Which key seals how many codes."""
    from app.cli import make_app
    from app.core.extensions import db
    from keystore.rotation import codes_per_key

    app = make_app()
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        counts = codes_per_key(db.session)
        others = [(other.what, other.per_key(db.session)) for other in _sealed_elsewhere()]
        for key_id in sorted(set(keyring.key_ids).union(counts, *(per_key for _, per_key in others))):
            marks = " (active)" if key_id == keyring.active else ""
            marks += "" if key_id in keyring.key_ids else " MISSING FROM THE KEYRING"
            sealed = "".join(f", {per_key.get(key_id, 0)} {what}" for what, per_key in others)
            click.echo(f"{key_id}{marks}: {counts.get(key_id, 0)} code(s){sealed}")
