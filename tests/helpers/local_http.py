"""Two tiny HTTP servers on 127.0.0.1 for download tests: an origin that
serves one payload, and a forwarding proxy that records what it was asked
for (a stand-in for a user's corporate proxy)."""

from __future__ import annotations

import http.server
import threading
import urllib.request


class _Serving:
    def __init__(self, handler) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class Origin(_Serving):
    """Serves `payload` at every path (with HTTP `status`: 503 stands in for
    a server that is down); counts the requests it got directly."""

    def __init__(self, payload: bytes, name: str = "pose_landmarker_full.task",
                 status: int = 200) -> None:
        origin = self
        self.requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                origin.requests.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *a):
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/{name}"


class ForwardProxy(_Serving):
    """A plain HTTP forward proxy: records each absolute URL, fetches it
    directly and relays the answer."""

    def __init__(self) -> None:
        proxy = self
        self.seen: list[str] = []
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                proxy.seen.append(self.path)
                with direct.open(self.path, timeout=30) as resp:
                    body = resp.read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}"
