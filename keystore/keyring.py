"""The keyring: AES-256-GCM keys with ids, and the HMAC key of the blind index.

The file is JSON, written once with mode 0600:
``{"active": "k1", "keys": {"k1": "<base64 32 bytes>"}, "index_key": "<base64 32 bytes>"}``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeyringError(Exception):
    """The keyring is missing, malformed, or cannot open a stored code."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


class Keyring:
    def __init__(self, active: str, keys: dict[str, bytes], index_key: bytes):
        if active not in keys:
            raise KeyringError(f"keyring: active key {active!r} is not among its keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise KeyringError(f"keyring: key {key_id!r} is not 256 bits")
        self.active = active
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._index_key = index_key

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def blind_index(self, normalised_code: str) -> bytes:
        return hmac.new(self._index_key, normalised_code.encode(), hashlib.sha256).digest()

    def seal(self, plaintext: str, binding: bytes) -> Sealed:
        nonce = os.urandom(12)
        cipher = self._ciphers[self.active]
        return Sealed(self.active, nonce, cipher.encrypt(nonce, plaintext.encode(), self._aad(self.active, binding)))

    def open(self, sealed: Sealed, binding: bytes) -> str:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise KeyringError(f"keyring has no key {sealed.key_id!r}; restore the keyring that sealed these codes")
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, self._aad(sealed.key_id, binding)).decode()
        except InvalidTag:
            raise KeyringError("a code failed authentication: wrong key, tampered or moved ciphertext") from None

    @staticmethod
    def _aad(key_id: str, binding: bytes) -> bytes:
        return b"keyshop.code.v1|" + key_id.encode() + b"|" + binding

    @classmethod
    def load(cls, path: Path) -> "Keyring":
        try:
            data = json.loads(Path(path).read_text())
            keys = {key_id: base64.b64decode(value) for key_id, value in data["keys"].items()}
            return cls(data["active"], keys, base64.b64decode(data["index_key"]))
        except FileNotFoundError:
            raise KeyringError(f"KEYSHOP_KEYRING: no keyring at {path}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyringError(f"KEYSHOP_KEYRING: {path} is not a keyring file ({type(exc).__name__})") from None

    @classmethod
    def load_or_create(cls, path: Path) -> "Keyring":
        path = Path(path)
        if not path.exists():
            write_new_keyring(path)
        return cls.load(path)


def write_new_keyring(path: Path) -> None:
    data = {
        "active": "k1",
        "keys": {"k1": base64.b64encode(secrets.token_bytes(32)).decode()},
        "index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
