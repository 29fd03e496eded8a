"""`keyshop keys rotate` re-seals chat channel URLs as it does codes: after rotating and retiring
the old key, a channel still sends; a key that still seals a channel's URL is not retired."""

from __future__ import annotations

import base64
import json
import os
import threading

from sqlalchemy import select

from app.core.extensions import db
from delivery.chat.models import ChatChannel
from tests.delivery.chat.channels import add, receiver, run_job, told  # noqa: F401


def _sealed(app) -> list[str]:
    with app.app_context():
        sealed = list(db.session.scalars(select(ChatChannel.url_sealed).order_by(ChatChannel.id)))
        db.session.remove()
    return sealed


def test_a_channel_still_sends_after_rotation_and_the_old_key_retired(app, runner, receiver):
    channel = add(app, receiver.apprise_url, ("order.awaiting_stock",))
    add(app, receiver.apprise_url, (), name="second")
    assert [stored.split(":")[0] for stored in _sealed(app)] == ["k1", "k1"]

    rotated = runner("keys", "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "re-sealed 0 code(s), 2 chat channel URL(s)" in rotated.output
    assert [stored.split(":")[0] for stored in _sealed(app)] == ["k2", "k2"]
    assert runner("keys", "rotate", "--resume").output.count(" 0 chat channel URL(s)") == 1  # nothing left
    retired = runner("keys", "retire", "k1")
    assert retired.exit_code == 0, retired.output
    assert "k1" not in json.loads(app.config["KEYSHOP"].keyring_path.read_text())["keys"]

    told(app, "order.awaiting_stock", "7", number="KS-7")
    assert run_job(app, channel) == "sent" and receiver.bodies() == ["An order waits for stock: KS-7"]
    assert "k2 (active): 0 code(s), 2 chat channel URL(s)" in runner("keys", "status").output


def test_a_key_that_still_seals_a_channel_url_is_not_retired(app, runner, receiver):
    add(app, receiver.apprise_url, ("order.paid",))
    keyring_path = app.config["KEYSHOP"].keyring_path
    data = json.loads(keyring_path.read_text())
    data["keys"]["k2"], data["active"] = base64.b64encode(os.urandom(32)).decode(), "k2"
    keyring_path.write_text(json.dumps(data))  # a new active key, no rotation run
    result = runner("keys", "retire", "k1")
    assert result.exit_code == 2 and "key 'k1' still seals 1 chat channel URL(s)" in result.output
    assert "k1" in json.loads(keyring_path.read_text())["keys"]


def test_a_url_replaced_while_the_rotation_runs_is_not_overwritten(app, runner, receiver):
    from delivery.chat.editing import ChannelEdit, edit_channel
    from delivery.chat.resealing import _reseal
    from tests.delivery.chat.channels import OWNER

    channel = add(app, receiver.apprise_url, ("order.paid",))
    [read_by_rotation] = _sealed(app)
    assert runner("keys", "rotate").exit_code == 0  # k2 active
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        replaced = receiver.apprise_url.replace("/hook", "/new")
        assert edit_channel(
            db.session, keyring, OWNER, channel, ChannelEdit("team chat", ("order.paid",), True, replaced)
        )
        [after_edit] = _sealed(app)
        assert _reseal(db.session, keyring, channel, read_by_rotation) == 0  # what it read is gone
        db.session.remove()
    assert _sealed(app) == [after_edit]


def test_a_url_replaced_at_the_same_instant_as_the_rotation_stays_replaced(app, receiver):
    """Each round: a new active key, then the rotation and an owner's new URL in two threads and
    connections at the same instant. The new URL is what the channel holds, whichever came first."""
    from delivery.chat.editing import ChannelEdit, edit_channel
    from delivery.chat.resealing import reseal_urls
    from delivery.chat.sealing import open_url
    from keystore.rotation import add_active_key
    from tests.delivery.chat.channels import OWNER

    keyring, path = app.extensions["keyshop.keyring"], app.config["KEYSHOP"].keyring_path
    for round_ in range(6):
        channel = add(app, receiver.apprise_url, ("order.paid",))
        add_active_key(keyring, path)
        replaced = receiver.apprise_url.replace("/hook", f"/new{round_}")
        edit = ChannelEdit("team chat", ("order.paid",), True, replaced)
        _at_once(
            app,
            lambda: reseal_urls(db.session, keyring),
            lambda: edit_channel(db.session, keyring, OWNER, channel, edit),
        )
        [stored] = _sealed(app)[-1:]
        assert stored.startswith(f"{keyring.active}:") and open_url(keyring, channel, stored) == replaced


def _at_once(app, *works) -> None:
    start, failures = threading.Barrier(len(works)), []

    def run(work) -> None:
        with app.app_context():
            start.wait()
            try:
                work()
            except Exception as exc:  # the test fails below, naming it
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
