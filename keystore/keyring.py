"""The keyring: AES-256-GCM keys with ids, and the HMAC key of the blind index.

The file is JSON, written with mode 0600:
``{"active": "k2", "keys": {"k1": "<base64 32 bytes>", "k2": "…"}, "index_key": "<base64 32 bytes>"}``.
A keyring loaded from a file follows it: after `keyshop keys rotate` writes a new active key, running
processes pick it up on their next seal, or as soon as they meet a code sealed under a key they lack.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.files import write_secret_file

RECHECK_SECONDS = 1.0


class KeyringError(Exception):
    """The keyring is missing, malformed, or cannot open a stored code."""


class Sealed(NamedTuple):
    """A tuple, not a frozen dataclass: an import makes a million, and pickles them between processes."""

    key_id: str
    nonce: bytes
    ciphertext: bytes


class Keyring:
    def __init__(self, active: str, keys: dict[str, bytes], index_key: bytes, path: Path | None = None):
        self._path = path
        self._set(active, keys, index_key)
        self._stamp = _stamp(path) if path else None
        self._checked = time.monotonic()

    def _set(self, active: str, keys: dict[str, bytes], index_key: bytes) -> None:
        if active not in keys:
            raise KeyringError(f"keyring: active key {active!r} is not among its keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise KeyringError(f"keyring: key {key_id!r} is not 256 bits")
        if getattr(self, "_index_key", index_key) != index_key:
            raise KeyringError("keyring: the blind-index key changed; restore the original index_key")
        self.active, self._keys, self._index_key = active, dict(keys), index_key
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def blind_index(self, normalised_code: str) -> bytes:
        return hmac.digest(self._index_key, normalised_code.encode(), "sha256")  # one-shot: 3x faster than hmac.new

    def seal(self, plaintext: str, binding: bytes) -> Sealed:
        return self.sealer()(plaintext, binding)

    def sealer(self) -> Callable[[str, bytes], Sealed]:
        """seal() for many codes in a row: the keyring file and the active key are looked at once, and
        the associated data's prefix is built once, not per code."""
        self.refresh()
        key_id, encrypt, urandom = self.active, self._ciphers[self.active].encrypt, os.urandom
        prefix = self._aad(key_id, b"")

        def seal(plaintext: str, binding: bytes) -> Sealed:
            nonce = urandom(12)
            return Sealed(key_id, nonce, encrypt(nonce, plaintext.encode(), prefix + binding))

        return seal

    def secrets(self) -> tuple[str, dict[str, bytes], bytes]:
        """The keys as they are now (after a refresh), for `Keyring(*secrets)` in another process: handed
        over through a pipe, never written to a file."""
        self.refresh()
        return self.active, dict(self._keys), self._index_key

    def open(self, sealed: Sealed, binding: bytes) -> str:
        if sealed.key_id not in self._ciphers:
            self.refresh(force=True)
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise KeyringError(f"keyring has no key {sealed.key_id!r}; restore the keyring that sealed these codes")
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, self._aad(sealed.key_id, binding)).decode()
        except InvalidTag:
            raise KeyringError("a code failed authentication: wrong key, tampered or moved ciphertext") from None

    def refresh(self, force: bool = False) -> None:
        """Reload from the file when it changed (looked at no more than once a second unless forced)."""
        if self._path is None or (not force and time.monotonic() - self._checked < RECHECK_SECONDS):
            return
        self._checked = time.monotonic()
        stamp = _stamp(self._path)
        if stamp is not None and stamp != self._stamp:  # a vanished file leaves the keys in memory
            self._set(*_read(self._path))
            self._stamp = stamp

    def as_json(self) -> dict:
        return {
            "active": self.active,
            "keys": {k: base64.b64encode(v).decode() for k, v in self._keys.items()},
            "index_key": base64.b64encode(self._index_key).decode(),
        }

    @staticmethod
    def _aad(key_id: str, binding: bytes) -> bytes:
        return b"keyshop.code.v1|" + key_id.encode() + b"|" + binding

    @classmethod
    def load(cls, path: Path) -> Keyring:
        path = Path(path)
        return cls(*_read(path), path=path)

    @classmethod
    def load_or_create(cls, path: Path) -> Keyring:
        path = Path(path)
        if not path.exists():
            write_new_keyring(path)
        return cls.load(path)


def _read(path: Path) -> tuple[str, dict[str, bytes], bytes]:
    try:
        data = json.loads(Path(path).read_text())
        keys = {key_id: base64.b64decode(value, validate=True) for key_id, value in data["keys"].items()}
        return data["active"], keys, base64.b64decode(data["index_key"], validate=True)
    except FileNotFoundError:
        raise KeyringError(f"KEYSHOP_KEYRING: no keyring at {path}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyringError(f"KEYSHOP_KEYRING: {path} is not a keyring file ({type(exc).__name__})") from None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def write_keyring(path: Path, data: dict, replace: bool = True) -> None:
    """With replace=False an existing keyring wins: two processes starting on a fresh instance end
    up sharing one keyring instead of each sealing codes under a key the other lacks."""
    write_secret_file(path, json.dumps(data, indent=2), replace=replace)


def write_new_keyring(path: Path) -> None:
    write_keyring(
        path,
        {
            "active": "k1",
            "keys": {"k1": base64.b64encode(os.urandom(32)).decode()},
            "index_key": base64.b64encode(os.urandom(32)).decode(),
        },
        replace=False,
    )
