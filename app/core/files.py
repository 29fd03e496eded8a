"""Secret files (the instance secret, the keyring): written whole, never readable by others."""

from __future__ import annotations

import os
from pathlib import Path


def write_secret_file(path: Path, text: str, *, replace: bool) -> None:
    """Write atomically with mode 0600, fsynced.

    With replace=False an existing file wins: processes starting together on a fresh instance end
    up sharing one secret (link(2) fails for all but the first) instead of each keeping its own.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    if replace:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
