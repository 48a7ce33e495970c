"""Many concurrent writers: every log-batch is answered 200 (no "database is locked", no 5xx, no retry needed)
and afterwards every point is there, with latest values that agree with the histories.

Default shape: 50 clients x 200 log-batch requests x 10 metrics (100,000 points), 40 clients on their own run,
10 clients sharing two runs (same keys, interleaved steps), plus 2 readers searching and reading histories
meanwhile. BOSUN_ROBUSTNESS_CLIENTS / BOSUN_ROBUSTNESS_BATCHES scale it down or up.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from robustness_support import API, PATIENCE_S, Api, BosunServer

CLIENTS = int(os.environ.get("BOSUN_ROBUSTNESS_CLIENTS", "50"))
BATCHES = int(os.environ.get("BOSUN_ROBUSTNESS_BATCHES", "200"))
METRICS_PER_BATCH = 10
SHARED_RUNS = 2
SHARED_CLIENTS = max(2, CLIENTS // 5)  # these clients write to the shared runs
READERS = 2


@dataclass
class Failure:
    client: int
    batch: int
    what: str


@dataclass
class Plan:
    """Which run each client writes to, and which step a (client, batch) uses."""

    own_runs: dict[int, str]
    shared_runs: list[str]
    shared_members: dict[int, tuple[int, int]] = field(default_factory=dict)  # client -> (run index, slot)

    def run_of(self, client: int) -> str:
        if client in self.shared_members:
            return self.shared_runs[self.shared_members[client][0]]
        return self.own_runs[client]

    def step_of(self, client: int, batch: int) -> int:
        if client in self.shared_members:
            _, slot = self.shared_members[client]
            return batch * self.clients_per_shared_run() + slot
        return batch

    def clients_per_shared_run(self) -> int:
        return -(-SHARED_CLIENTS // SHARED_RUNS)


def value_of(client: int, batch: int, j: int) -> float:
    return client * 1_000_000 + batch * 100 + j + 0.25


@pytest.mark.slow
def test_concurrent_log_batch(api: Api, server: BosunServer) -> None:
    exp = api.create_experiment(f"concurrency-{uuid.uuid4().hex[:8]}")
    shared = [api.create_run(exp) for _ in range(SHARED_RUNS)]
    plan = Plan(own_runs={}, shared_runs=shared)
    for i, client in enumerate(range(CLIENTS - SHARED_CLIENTS, CLIENTS)):
        plan.shared_members[client] = (i % SHARED_RUNS, i // SHARED_RUNS)
    for client in range(CLIENTS - SHARED_CLIENTS):
        plan.own_runs[client] = api.create_run(exp)

    failures: list[Failure] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(CLIENTS + READERS)
    writers_done = threading.Event()
    reads = [0]

    def writer(client: int) -> None:
        session = requests.Session()
        run_id = plan.run_of(client)
        url = f"{server.url}{API}/runs/log-batch"
        base_ts = int(time.time() * 1000)
        start_gate.wait()
        for batch in range(BATCHES):
            step = plan.step_of(client, batch)
            body: dict[str, Any] = {
                "run_id": run_id,
                "metrics": [
                    {"key": f"m{j}", "value": value_of(client, batch, j), "timestamp": base_ts + batch, "step": step}
                    for j in range(METRICS_PER_BATCH)
                ],
            }
            if client not in plan.shared_members:
                body["params"] = [{"key": f"p{batch}", "value": str(batch)}]
                body["tags"] = [{"key": "last_batch", "value": str(batch)}]
            try:
                resp = session.post(url, json=body, timeout=PATIENCE_S)
                if resp.status_code != 200:
                    with lock:
                        failures.append(Failure(client, batch, f"HTTP {resp.status_code}: {resp.text[:300]}"))
            except requests.RequestException as exc:
                with lock:
                    failures.append(Failure(client, batch, repr(exc)))

    def reader(n: int) -> None:
        session = requests.Session()
        start_gate.wait()
        while not writers_done.is_set():
            try:
                responses = (
                    session.post(
                        f"{server.url}{API}/runs/search",
                        json={"experiment_ids": [exp], "max_results": 100},
                        timeout=PATIENCE_S,
                    ),
                    session.get(
                        f"{server.url}{API}/metrics/get-history",
                        params={"run_id": shared[n % SHARED_RUNS], "metric_key": "m0", "max_results": 25000},
                        timeout=PATIENCE_S,
                    ),
                )
            except requests.RequestException as exc:
                with lock:
                    failures.append(Failure(-1 - n, -1, f"reader: {exc!r}"))
                return
            for resp in responses:
                with lock:
                    reads[0] += 1
                    if resp.status_code != 200:
                        failures.append(Failure(-1 - n, -1, f"reader HTTP {resp.status_code}: {resp.text[:300]}"))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS + READERS) as pool:
        reader_futures = [pool.submit(reader, n) for n in range(READERS)]
        writer_futures = [pool.submit(writer, c) for c in range(CLIENTS)]
        for f in writer_futures:
            f.result()
        writers_done.set()
        for f in reader_futures:
            f.result()
    seconds = time.monotonic() - started
    total = CLIENTS * BATCHES
    print(f"\n{total} log-batch requests ({total * METRICS_PER_BATCH} points) in {seconds:.1f}s, {reads[0]} reads")

    if failures:
        kinds: dict[str, int] = {}
        for f in failures:
            kinds[f.what[:80]] = kinds.get(f.what[:80], 0) + 1
        sample = "\n".join(f"client {f.client} batch {f.batch}: {f.what}" for f in failures[:10])
        pytest.fail(f"{len(failures)} of {total} writes (+ reads) failed; kinds: {kinds}\n{sample}", pytrace=False)

    log = server.log_text()
    for marker in ("database is locked", "SQLITE_BUSY"):
        assert marker not in log, f"server log mentions {marker!r}"

    # Every point is present, exactly once, with the value sent.
    missing: list[str] = []
    for client, run_id in plan.own_runs.items():
        for j in range(METRICS_PER_BATCH):
            hist = api.history(run_id, f"m{j}")
            got = sorted((m["step"], m["value"]) for m in hist)
            want = [(b, value_of(client, b, j)) for b in range(BATCHES)]
            if got != want:
                missing.append(f"run {run_id} m{j}: {len(got)} points, expected {BATCHES}")
        data = api.run_data(run_id)
        if len(data["params"]) != BATCHES:
            missing.append(f"run {run_id}: {len(data['params'])} params, expected {BATCHES}")
        tags = {t["key"]: t["value"] for t in data["tags"]}
        if tags.get("last_batch") != str(BATCHES - 1):
            missing.append(f"run {run_id}: tag last_batch={tags.get('last_batch')}, expected {BATCHES - 1}")
        latest = {m["key"]: m for m in data["metrics"]}
        for j in range(METRICS_PER_BATCH):
            m = latest.get(f"m{j}")
            if m is None or m["step"] != BATCHES - 1 or m["value"] != value_of(client, BATCHES - 1, j):
                missing.append(f"run {run_id}: latest m{j} = {m}, expected step {BATCHES - 1}")

    for idx, run_id in enumerate(shared):
        members = {c: slot for c, (r, slot) in plan.shared_members.items() if r == idx}
        data = api.run_data(run_id)
        latest = {m["key"]: m for m in data["metrics"]}
        for j in range(METRICS_PER_BATCH):
            hist = api.history(run_id, f"m{j}")
            got = sorted((m["step"], m["value"]) for m in hist)
            want = sorted((plan.step_of(c, b), value_of(c, b, j)) for c in members for b in range(BATCHES))
            if got != want:
                missing.append(f"shared run {run_id} m{j}: {len(got)} points, expected {len(want)}")
            top_step, top_value = want[-1]
            m = latest.get(f"m{j}")
            if m is None or m["step"] != top_step or m["value"] != top_value:
                missing.append(f"shared run {run_id}: latest m{j} = {m}, expected step {top_step} value {top_value}")

    assert not missing, f"{len(missing)} mismatches after concurrent ingestion:\n" + "\n".join(missing[:20])
