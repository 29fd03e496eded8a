"""Key rotation during sales, resumable after a kill; a keyring that does not fit fails at start."""

from __future__ import annotations

import base64
import json
import os
import time

from sqlalchemy import func, select

from app.core.extensions import db
from delivery.fulfil import fulfil
from keystore.keyring import Keyring
from keystore.models import Code
from keystore.reveal import codes_of_order
from tests.processes import Finished, KeyshopCommand
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes


def _keys_in_use(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Code.key_id, func.count()).group_by(Code.key_id)).all()
        db.session.remove()
        return dict(rows)


def _deliver(app, client) -> tuple[int, list[str]]:
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "delivered"
        codes = codes_of_order(db.session, app.extensions["keyshop.keyring"], placed.order_id)
        db.session.remove()
    return placed.order_id, codes


def test_rotate_then_retire_the_old_key_and_every_code_still_delivers(app, client, runner):
    product_id = make_product(app, "card")
    codes = unique_codes(2500)
    stock(app, product_id, codes)
    sold_id, sold = _deliver(app, client)

    result = runner("keys", "rotate")
    assert result.exit_code == 0, result.output
    assert "new active key k2" in result.output and "re-sealed 2500 code(s)" in result.output
    assert _keys_in_use(app) == {"k2": 2500}
    retired = runner("keys", "retire", "k1")
    assert retired.exit_code == 0, retired.output
    keyring_file = json.loads(app.config["KEYSHOP"].keyring_path.read_text())
    assert set(keyring_file["keys"]) == {"k2"} and keyring_file["active"] == "k2"

    with app.app_context():  # the running app follows the file: it reads old and new orders alike
        assert codes_of_order(db.session, app.extensions["keyshop.keyring"], sold_id) == sold
        db.session.remove()
    _, fresh = _deliver(app, client)
    assert fresh == [codes[1]]


def test_retiring_a_key_still_in_use_is_refused(app, runner):
    stock(app, make_product(app, "card"), unique_codes(3))
    keyring_path = app.config["KEYSHOP"].keyring_path
    data = json.loads(keyring_path.read_text())
    data["keys"]["k2"] = base64.b64encode(os.urandom(32)).decode()
    data["active"] = "k2"
    keyring_path.write_text(json.dumps(data))
    result = runner("keys", "retire", "k1")
    assert result.exit_code == 2
    assert "key 'k1' still seals 3 code(s)" in result.output
    assert "k1" in json.loads(keyring_path.read_text())["keys"]


def test_a_rotation_killed_half_way_is_finished_by_running_it_again(app, shop_env):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(6000))
    rotation = KeyshopCommand(shop_env, "keys", "rotate", "--batch", "50")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _keys_in_use(app).get("k2", 0) < 500:
        time.sleep(0.01)
    rotation.kill()
    half = _keys_in_use(app)
    assert half.get("k1", 0) > 0 and half.get("k2", 0) > 0, half  # really killed half-way

    resumed = KeyshopCommand(shop_env, "keys", "rotate", "--resume").finish()
    assert resumed.returncode == 0, resumed.output
    assert _keys_in_use(app) == {"k2": 6000}
    keyring = Keyring.load(app.config["KEYSHOP"].keyring_path)
    with app.app_context():
        from keystore.reveal import open_code

        opened = {open_code(keyring, code) for code in db.session.scalars(select(Code))}
        db.session.remove()
    assert len(opened) == 6000


def _start_worker(shop_env) -> Finished:
    return KeyshopCommand(shop_env, "worker", "--burst").finish()


def test_a_keyring_that_cannot_open_the_stored_codes_stops_the_start(app, shop_env):
    stock(app, make_product(app, "card"), unique_codes(2))
    path = app.config["KEYSHOP"].keyring_path
    data = json.loads(path.read_text())
    data["keys"]["k1"] = base64.b64encode(os.urandom(32)).decode()  # same id, other key
    path.write_text(json.dumps(data))
    done = _start_worker(shop_env)
    assert done.returncode == 2
    assert done.output.strip() == (
        "keyshop: KEYSHOP_KEYRING: key 'k1' of this keyring cannot open the stored "
        "codes; it is not the keyring that sealed them"
    )


def test_a_keyring_without_the_key_in_use_names_it(app, shop_env):
    stock(app, make_product(app, "card"), unique_codes(2))
    path = app.config["KEYSHOP"].keyring_path
    data = json.loads(path.read_text())
    data["keys"] = {"k9": base64.b64encode(os.urandom(32)).decode()}
    data["active"] = "k9"
    path.write_text(json.dumps(data))
    done = _start_worker(shop_env)
    assert done.returncode == 2 and "sealed with key 'k1', which this keyring lacks" in done.output


def test_a_changed_index_key_is_caught(app, shop_env):
    stock(app, make_product(app, "card"), unique_codes(2))
    path = app.config["KEYSHOP"].keyring_path
    data = json.loads(path.read_text())
    data["index_key"] = base64.b64encode(os.urandom(32)).decode()
    path.write_text(json.dumps(data))
    done = _start_worker(shop_env)
    assert done.returncode == 2 and "the index_key differs" in done.output


def test_a_running_process_follows_the_keyring_file(tmp_path):
    from keystore.keyring import write_new_keyring
    from keystore.rotation import add_active_key

    path = tmp_path / "keyring.json"
    write_new_keyring(path)
    reader, writer = Keyring.load(path), Keyring.load(path)
    assert add_active_key(writer, path) == "k2"
    sealed = writer.seal("SECRET-1", b"row")
    assert sealed.key_id == "k2"
    assert reader.open(sealed, b"row") == "SECRET-1"  # reloads on the unknown key id
    assert reader.active == "k2"
