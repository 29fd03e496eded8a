"""Serve a WSGI app on a free loopback port in a thread, for as long as a test needs it.

Every request it is sent is kept as it arrived (`received`: method, path with query, headers and
body), so a test can look for what must never leave keyshop in anything a provider was told."""

from __future__ import annotations

import io
import threading

from werkzeug.serving import make_server


class LoopbackServer:
    def __init__(self, wsgi_app):
        self.received: list[str] = []
        self._wsgi_app = wsgi_app
        self._server = make_server("127.0.0.1", 0, self._recording, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll: stop() waits for it, at the end of every test that serves a fake.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def _recording(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = " ".join(f"{k}={v}" for k, v in environ.items() if k.startswith("HTTP_"))
        line = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
        self.received.append(f"{line} {headers} {body.decode('utf-8', 'replace')}")
        return self._wsgi_app(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
