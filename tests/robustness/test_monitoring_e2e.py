"""Monitoring end to end (issue 13): a model registered through the `mlflow` client, a monitor on its alias,
predictions and late labels streamed by `bosun_monitoring.PredictionLogger` (python/) while the server restarts,
drift injected, the alert delivered to a local receiver with a valid signature, the recovery notice after the
drift stops, and the Prometheus metrics scraped and parsed. Authentication is on: the logger signs in with a
token of a user who may only edit this model, and a user without permission is refused through the logger.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests

from robustness_support import PATIENCE_S, REPO, SECURE_ADMIN, Api, SecureServer, make_secure_server

sys.path.insert(0, str(REPO / "python"))  # the working tree's logger, not an installed copy
from bosun_monitoring import PredictionLogger  # noqa: E402

MODEL = "churn-e2e"
NATIVE = "/api/bosun/v1"
HOUR_MS = 3_600_000
T0_MS = 1_767_225_600_000  # 2026-01-01T00:00Z: window k is [T0 + k h, T0 + (k+1) h)


class Receiver:
    """A local webhook endpoint that keeps every request (headers and raw body)."""

    def __init__(self) -> None:
        self.received: List[Tuple[Dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, kind: str) -> List[Tuple[Dict[str, str], bytes]]:
        return [(h, b) for h, b in self.received if h.get("x-bosun-event") == kind]

    def wait_for(self, kind: str) -> Tuple[Dict[str, str], bytes]:
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            found = self.events(kind)
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no {kind} webhook within {PATIENCE_S:.0f}s; got {[h.get('x-bosun-event') for h, _ in self.received]}")


def signature_ok(secret: str, headers: Dict[str, str], body: bytes) -> bool:
    """docs/webhooks.md: sha256=HMAC-SHA256(secret, "<X-Bosun-Timestamp>.<body>")."""
    mac = hmac.new(secret.encode(), headers["x-bosun-timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + mac, headers["x-bosun-signature"])


def parse_metrics(text: str) -> Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]:
    """Prometheus text format 0.0.4 samples: (name, sorted labels) -> value. Comments and blank lines skipped."""
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$')
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    out: Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = sample.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = tuple(sorted(label.findall(match.group(2) or "")))
        out[(match.group(1), labels)] = float(match.group(3))
    return out


@pytest.fixture
def monitored(bosun_build: Path, backend_kind: str, tmp_path: Path) -> Iterator[Tuple[SecureServer, Receiver]]:
    secure = make_secure_server(tmp_path / "server", backend_kind, "NO_PERMISSIONS")
    secure.server.extra_env.update(
        {"BOSUN_WEBHOOK_ALLOW_PRIVATE": "true", "BOSUN_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    )
    receiver = Receiver()
    try:
        yield secure.start(), receiver
    finally:
        receiver.server.shutdown()
        secure.server.stop()
        secure.server.backend.drop()


def register_model_with_mlflow(secure: SecureServer) -> None:
    """The data scientist's side: train, log and register with the unchanged `mlflow` client, alias champion."""
    import mlflow
    from sklearn.linear_model import LogisticRegression

    os.environ["MLFLOW_TRACKING_USERNAME"] = SECURE_ADMIN
    os.environ["MLFLOW_TRACKING_PASSWORD"] = secure.passwords[SECURE_ADMIN]
    try:
        mlflow.set_tracking_uri(secure.url)
        client = mlflow.MlflowClient()
        experiment_id = client.create_experiment(f"monitoring-e2e-{secrets.token_hex(4)}")
        rng = random.Random(1)
        x = [[rng.gauss(0, 1)] for _ in range(200)]
        y = [int(v[0] > 0) for v in x]
        with mlflow.start_run(experiment_id=experiment_id):
            model = LogisticRegression().fit(x, y)
            info = mlflow.sklearn.log_model(model, name="model")  # the robustness suites run the 3.x client
        version = mlflow.register_model(info.model_uri, MODEL)
        client.set_registered_model_alias(MODEL, "champion", version.version)
    finally:
        del os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"]


def post(api: Api, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """POSTs to a full path and returns the JSON answer, which must be a 200."""
    resp = api.request("POST", path, json=body)
    assert resp.status_code == 200, f"POST {path}: {resp.status_code} {resp.text[:500]}"
    return resp.json()


def features(rng: random.Random, drifted: bool) -> Dict[str, Any]:
    return {
        "x": rng.gauss(3.0 if drifted else 0.0, 1.0),
        "city": rng.choice(["Oslo", "Riga"] if drifted else ["Lyon", "Porto", "Turin"]),
    }


def test_monitoring_end_to_end_with_the_python_logger(monitored: Tuple[SecureServer, Receiver]) -> None:
    secure, receiver = monitored
    admin = secure.api(SECURE_ADMIN)
    register_model_with_mlflow(secure)

    # alice serves the model: EDIT on it and nothing else; she logs with an API token.
    post(admin, "/api/2.0/mlflow/registered-models/permissions/create",
         {"name": MODEL, "username": "alice", "permission": "EDIT"})
    token = post(secure.api("alice"), f"{NATIVE}/users/alice/tokens", {"name": "serving"})["token"]

    rng = random.Random(7)
    reference = [features(rng, drifted=False) for _ in range(300)]
    monitoring = f"{NATIVE}/monitoring/models/{MODEL}"
    reference_id = post(admin, f"{monitoring}/references", {"name": "training", "rows": reference})["reference"][
        "reference_id"
    ]
    events = ["monitor.alert_fired", "monitor.alert_resolved"]
    secret = f"whsec_{secrets.token_hex(16)}"
    post(admin, f"{NATIVE}/webhooks", {"url": receiver.url, "model_name": MODEL, "events": events, "secret": secret})
    monitor = post(admin, f"{monitoring}/monitors", {
        "name": "inputs", "alias": "champion", "reference_id": reference_id, "window_ms": HOUR_MS,
        "columns": ["x", "city"],
        # Both columns must drift: with one of two (the preset's 50 %), a clean hour alerts with chance ~10 %.
        "config": {"task": "classification", "min_rows": 10, "drift_share": 0.75},
    })["monitor"]  # fmt: skip

    # Three hours of traffic: the second hour drifts. The server restarts in the middle of it.
    logger = PredictionLogger(MODEL, alias="champion", tracking_uri=secure.url, token=token,
                              batch_size=50, flush_interval=0.05, backoff=0.05, max_backoff=0.5)  # fmt: skip
    truth: Dict[str, int] = {}
    for hour in range(3):
        for i in range(120):
            row = features(rng, drifted=hour == 1)
            prediction = int(row["x"] > 0)
            request_id = logger.log(row, prediction, timestamp=(T0_MS + hour * HOUR_MS + i * 1000) / 1000)
            truth[request_id] = prediction if i % 4 else 1 - prediction  # 75 % right
        if hour == 0:
            assert logger.flush(PATIENCE_S)
            secure.server.stop()  # a deploy: the logger keeps queueing and retries until the server is back
            for i in range(10):
                logger.log(features(rng, False), 0, timestamp=(T0_MS + 3 * HOUR_MS + i * 1000) / 1000)
            assert logger.stats.pending >= 10
            secure.server.start()
    for request_id, label in list(truth.items())[:120]:  # the first hour's labels arrive late
        logger.log_label(request_id, label)
    assert logger.flush(PATIENCE_S)
    stats = logger.stats
    assert (stats.sent_predictions, stats.sent_labels, stats.rejected, stats.dropped) == (370, 120, 0, 0), stats
    assert stats.retries >= 1  # the restart was noticed and ridden out
    logger.close(PATIENCE_S)

    # bob may not log for this model: the logger reports the refusal and stores nothing.
    bob_token = post(secure.api("bob"), f"{NATIVE}/users/bob/tokens", {"name": "x"})["token"]
    refusals: List[str] = []
    with PredictionLogger(MODEL, alias="champion", tracking_uri=secure.url, token=bob_token,
                          on_error=lambda message, records: refusals.append(message)) as intruder:  # fmt: skip
        intruder.log({"x": 0.0, "city": "Lyon"}, 0)
    assert len(refusals) == 1 and refusals[0].startswith("HTTP 403"), refusals

    def run(hour: int) -> Dict[str, Any]:
        path = f"{monitoring}/monitors/{monitor['monitor_id']}/run"
        return post(admin, path, {"window_end": T0_MS + (hour + 1) * HOUR_MS})

    first = run(0)
    assert first["result"]["status"] == "ok" and first["result"]["rows"] == 120, json.dumps(first, indent=1)
    assert first["result"]["performance"]["metrics"]["accuracy"] == pytest.approx(0.75), first
    assert first["result"]["labelled_rows"] == 120
    second = run(1)
    assert second["result"]["status"] == "breach" and second["result"]["drift"]["drift_share"] == 1.0, second
    assert [a["condition"] for a in second["fired"]] == ["data_drift"], second
    third = run(2)
    assert third["result"]["status"] == "ok" and [a["condition"] for a in third["resolved"]] == ["data_drift"], third

    fired_headers, fired_body = receiver.wait_for("monitor.alert_fired")
    resolved_headers, resolved_body = receiver.wait_for("monitor.alert_resolved")
    for headers, body in ((fired_headers, fired_body), (resolved_headers, resolved_body)):
        assert signature_ok(secret, headers, body), headers
        assert not signature_ok("whsec_not-the-secret-at-all", headers, body)
    fired = json.loads(fired_body)
    resolved = json.loads(resolved_body)
    assert fired["model_name"] == MODEL and fired["payload"]["condition"] == "data_drift"
    assert fired["payload"]["windowEnd"] == T0_MS + 2 * HOUR_MS and fired["payload"]["driftShare"] == 1
    assert resolved["payload"]["alertId"] == fired["payload"]["alertId"]
    assert len(receiver.events("monitor.alert_fired")) == 1

    metrics_resp = admin.request("GET", "/metrics")
    assert metrics_resp.status_code == 200 and metrics_resp.headers["content-type"].startswith("text/plain")
    samples = parse_metrics(metrics_resp.text)
    model_labels = (("model", MODEL),)
    assert samples[("bosun_predictions_logged_total", model_labels)] == 370
    assert samples[("bosun_labels_logged_total", model_labels)] == 120
    inputs = (("model", MODEL), ("monitor", "inputs"))
    assert samples[("bosun_monitor_drift_share", inputs)] == 0
    assert samples[("bosun_monitor_window_rows", inputs)] == 120
    assert samples[("bosun_monitor_alert_firing", tuple(sorted(inputs + (("condition", "data_drift"),))))] == 0
