"""AES-GCM with each code bound to its row: a wrong key, a flipped bit or a moved ciphertext raises."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.core.extensions import db
from keystore.keyring import Keyring, KeyringError, Sealed, write_new_keyring
from keystore.models import Code, binding
from keystore.reveal import open_code
from tests.shop import make_product, stock, unique_codes


@pytest.fixture
def keyring(tmp_path) -> Keyring:
    write_new_keyring(tmp_path / "keyring.json")
    return Keyring.load(tmp_path / "keyring.json")


def test_a_sealed_code_opens_with_its_binding(keyring):
    sealed = keyring.seal("ABCD-1234", binding(1, b"i" * 32))
    assert b"ABCD-1234" not in sealed.ciphertext
    assert keyring.open(sealed, binding(1, b"i" * 32)) == "ABCD-1234"


def test_the_same_code_seals_differently_each_time(keyring):
    first, second = (keyring.seal("SAME", binding(1, b"x")) for _ in range(2))
    assert first.nonce != second.nonce and first.ciphertext != second.ciphertext


@pytest.mark.parametrize("position", [0, 5, -1])
def test_a_flipped_bit_raises(keyring, position):
    sealed = keyring.seal("ABCD-1234", binding(1, b"i"))
    damaged = bytearray(sealed.ciphertext)
    damaged[position] ^= 1
    with pytest.raises(KeyringError, match="failed authentication"):
        keyring.open(Sealed(sealed.key_id, sealed.nonce, bytes(damaged)), binding(1, b"i"))


def test_another_rows_binding_raises(keyring):
    sealed = keyring.seal("ABCD-1234", binding(1, b"i"))
    with pytest.raises(KeyringError):
        keyring.open(sealed, binding(2, b"i"))
    with pytest.raises(KeyringError):
        keyring.open(sealed, binding(1, b"j"))


def test_a_different_keyring_raises_rather_than_returning_garbage(keyring, tmp_path):
    write_new_keyring(tmp_path / "other.json")
    other = Keyring.load(tmp_path / "other.json")
    sealed = keyring.seal("ABCD-1234", binding(1, b"i"))
    with pytest.raises(KeyringError):
        other.open(sealed, binding(1, b"i"))


def test_the_blind_index_is_keyed(keyring, tmp_path):
    write_new_keyring(tmp_path / "other.json")
    other = Keyring.load(tmp_path / "other.json")
    assert keyring.blind_index("CODE") == keyring.blind_index("CODE")
    assert keyring.blind_index("CODE") != other.blind_index("CODE")
    assert len(keyring.blind_index("CODE")) == 32


def test_swapping_two_rows_ciphertexts_makes_both_fail(app):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(2))
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        first, second = db.session.scalars(select(Code).order_by(Code.id)).all()
        assert open_code(keyring, first) and open_code(keyring, second)
        swapped = [(first.id, second.nonce, second.ciphertext), (second.id, first.nonce, first.ciphertext)]
        for code_id, nonce, ciphertext in swapped:
            db.session.execute(update(Code).where(Code.id == code_id).values(nonce=nonce, ciphertext=ciphertext))
        db.session.commit()
        for code in db.session.scalars(select(Code)).all():
            with pytest.raises(KeyringError):
                open_code(keyring, code)
        db.session.remove()
