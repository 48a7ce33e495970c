"""A fake of Bosun's own prediction and label routes, for the logger's retry and refusal paths.

It keeps the real routes' rules that the logger relies on (all-or-nothing batches, request ids stored once,
labels only for stored predictions, the refused record named first in the message) and lets a test script
failures the real server cannot be made to produce on demand: 503 with Retry-After, an answer lost after the
batch was stored, a request held open. The end-to-end test against the real server is
tests/monitoring/test_monitoring_e2e.py.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

ROUTE = re.compile(r"^/api/bosun/v1/monitoring/models/([^/]+)/(predictions|labels)$")


class FakeMonitoringApi:
    def __init__(self) -> None:
        self.stored: Dict[str, Dict[str, Any]] = {}  # request id -> record
        self.labels: Dict[str, Any] = {}
        self.requests: List[Tuple[str, Dict[str, Any], Dict[str, str]]] = []  # (leaf, body, headers)
        self.script: List[str] = []  # what the next requests get: "503", "lost", "404", "hold"
        self.release = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                match = ROUTE.match(self.path)
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if match is None:
                    self._answer(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": self.path})
                    return
                with fake.lock:
                    fake.requests.append((match.group(2), body, {k.lower(): v for k, v in self.headers.items()}))
                    action = fake.script.pop(0) if fake.script else "ok"
                if action == "hold":
                    fake.release.wait()
                    action = "ok"
                if action == "503":
                    self._answer(503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}, {"retry-after": "0"})
                    return
                if action == "404":
                    self._answer(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered model 'x' not found"})
                    return
                status, answer = fake.apply(match.group(2), body)
                if action == "lost" and status == 200:
                    self.close_connection = True  # stored, but the client never hears so
                    self.connection.shutdown(2)
                    return
                self._answer(status, answer)

            def _answer(self, status: int, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def apply(self, leaf: str, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        with self.lock:
            if leaf == "labels":
                for i, label in enumerate(body["labels"]):
                    if label["request_id"] not in self.stored:
                        return 400, self._refusal(f"labels[{i}].request_id: no prediction '{label['request_id']}' was logged")
                for label in body["labels"]:
                    self.labels[label["request_id"]] = label["label"]
                return 200, {"labelled": len(body["labels"])}
            records = body["records"]
            for i, record in enumerate(records):
                if "bad" in record["features"]:
                    return 400, self._refusal(f"records[{i}].features.bad: expected a number")
                if record["request_id"] in self.stored:
                    return 400, self._refusal(f"records[{i}].request_id: '{record['request_id']}' was logged before for model 'm'")
            for record in records:
                self.stored[record["request_id"]] = record
            return 200, {"logged": len(records), "version": "1"}

    @staticmethod
    def _refusal(message: str) -> Dict[str, Any]:
        return {"error_code": "INVALID_PARAMETER_VALUE", "message": message}

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
