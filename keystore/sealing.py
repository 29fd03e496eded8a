"""A secret of the shop's own settings (a chat channel's URL, a seller's URL and signing secret)
sealed with the keyring as one text column: AES-GCM bound to its row and purpose, so a sealed value
cannot be moved to another row or read as another setting."""

from __future__ import annotations

from keystore.keyring import Keyring, Sealed


def seal_text(keyring: Keyring, binding: bytes, plaintext: str) -> str:
    sealed = keyring.seal(plaintext, binding)
    return f"{sealed.key_id}:{sealed.nonce.hex()}:{sealed.ciphertext.hex()}"


def open_text(keyring: Keyring, binding: bytes, stored: str) -> str:
    """Raises KeyringError (a keyring without its key, a tampered or moved value)."""
    key_id, nonce, ciphertext = stored.rsplit(":", 2)
    return keyring.open(Sealed(key_id, bytes.fromhex(nonce), bytes.fromhex(ciphertext)), binding)
