"""Crash safety: SIGKILL the server while several clients ingest, restart it on the same files, and check that

* every batch the server acknowledged (HTTP 200) is fully present (durability of acknowledged writes);
* every batch whose answer was lost to the crash is either fully present or fully absent (atomicity);
* the database is consistent: `PRAGMA integrity_check` is ok (SQLite), and `latest_metrics` holds, for every
  run and key, exactly the metrics row with the greatest (step, timestamp, value);
* the restarted server keeps accepting writes to the same runs.

Three kill/restart cycles on one database; each cycle kills once the writers have had a given number of batches
acknowledged (a count, not a time: a busy machine only makes it take longer), while requests are in flight.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
import requests

from robustness_support import API, PATIENCE_S, Api, BosunServer

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("BOSUN_TEST_PG_URI") else [])
WRITERS = 4
CYCLES = 3
KEYS = 5
STEPS_PER_BATCH = 40  # 5 keys x 40 steps = 200 metrics per batch


@dataclass
class WriterLog:
    run_id: str
    index: int
    next_batch: int = 0
    acked: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # sent, but the answer was lost to the crash
    errors: list[str] = field(default_factory=list)  # non-200 answers: never expected


def batch_points(writer: int, batch: int) -> list[tuple[str, int, float]]:
    return [
        (f"k{k}", batch * STEPS_PER_BATCH + s, writer * 1e9 + batch * 1e4 + k * 100 + s + 0.5)
        for k in range(KEYS)
        for s in range(STEPS_PER_BATCH)
    ]


def batch_body(log: WriterLog, batch: int) -> dict[str, Any]:
    ts = int(time.time() * 1000)
    return {
        "run_id": log.run_id,
        "metrics": [
            {"key": key, "value": value, "timestamp": ts, "step": step}
            for key, step, value in batch_points(log.index, batch)
        ],
        "params": [{"key": f"p{batch}", "value": str(batch)}],
        "tags": [{"key": f"t{batch}", "value": str(batch)}],
    }


def ingest_until_killed(srv: BosunServer, logs: list[WriterLog], min_acks: int) -> None:
    """Runs one writer thread per log, SIGKILLs the server once `min_acks` batches were acknowledged (or every
    writer has stopped on an error, which the caller reports)."""
    acked_this_cycle = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def write(log: WriterLog) -> None:
        session = requests.Session()
        url = f"{srv.url}{API}/runs/log-batch"
        while not stop.is_set():
            batch = log.next_batch
            log.next_batch += 1
            try:
                resp = session.post(url, json=batch_body(log, batch), timeout=PATIENCE_S)
            except requests.RequestException:
                log.unknown.append(batch)
                return
            if resp.status_code == 200:
                log.acked.append(batch)
                with lock:
                    acked_this_cycle[0] += 1
            else:
                log.errors.append(f"batch {batch}: HTTP {resp.status_code} {resp.text[:200]}")
                log.unknown.append(batch)
                return

    threads = [threading.Thread(target=write, args=(log,), daemon=True) for log in logs]
    for t in threads:
        t.start()
    ceiling = time.monotonic() + PATIENCE_S
    while acked_this_cycle[0] < min_acks and any(t.is_alive() for t in threads):
        assert time.monotonic() < ceiling, (
            f"{acked_this_cycle[0]} of {min_acks} batches acknowledged after {PATIENCE_S:.0f}s (hung):\n"
            f"{srv.log_tail()}"
        )
        time.sleep(0.01)
    time.sleep(random.uniform(0, 0.05))  # where in a request the kill lands: jitter, not a wait
    srv.kill()
    stop.set()
    for t in threads:
        t.join(PATIENCE_S)
    assert not [t for t in threads if t.is_alive()], "a writer is still waiting for an answer from a killed server"
    assert acked_this_cycle[0] >= min_acks, (
        f"{acked_this_cycle[0]} of {min_acks} batches acknowledged before the writers stopped: "
        + "; ".join(e for log in logs for e in log.errors[:1])
        + f"\n{srv.log_tail()}"
    )


def check_latest_metrics(srv: BosunServer) -> list[str]:
    """`latest_metrics` must equal, per (run, key), the metrics row with the greatest (step, timestamp, value)."""
    rows = srv.backend.query("SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics")
    best: dict[tuple[str, str], tuple[int, int, float]] = {}
    for run, key, value, ts, step, _ in rows:
        cand = (int(step), int(ts), float(value))
        cur = best.get((run, key))
        if cur is None or cand > cur:
            best[(run, key)] = cand
    latest = {
        (run, key): (int(step), int(ts), float(value))
        for run, key, value, ts, step, _ in srv.backend.query(
            "SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics"
        )
    }
    problems = []
    for rk in sorted(set(best) | set(latest)):
        if best.get(rk) != latest.get(rk):
            problems.append(f"{rk}: metrics max (step, ts, value) = {best.get(rk)}, latest_metrics = {latest.get(rk)}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
def test_sigkill_mid_ingestion_loses_no_acknowledged_write(
    server_factory: Callable[[str], BosunServer], kind: str
) -> None:
    srv = server_factory(kind).start()
    api = Api(srv.url)
    exp = api.create_experiment(f"crash-{uuid.uuid4().hex[:8]}")
    logs = [WriterLog(run_id=api.create_run(exp), index=i) for i in range(WRITERS)]

    for cycle in range(CYCLES):
        ingest_until_killed(srv, logs, min_acks=20 + 20 * cycle)
        assert not srv.running()
        srv.start()
        api = Api(srv.url)

    errors = [e for log in logs for e in log.errors]
    assert not errors, "non-200 answers before the kill:\n" + "\n".join(errors[:10])

    lost: list[str] = []
    partial: list[str] = []
    stray: list[str] = []
    unknown_committed = [0]
    for log in logs:
        present: dict[str, set[tuple[int, float]]] = {
            f"k{k}": {(m["step"], m["value"]) for m in api.history(log.run_id, f"k{k}")} for k in range(KEYS)
        }
        data = api.run_data(log.run_id)
        params = {p["key"] for p in data["params"]}
        tags = {t["key"] for t in data["tags"]}
        expected_any: dict[str, set[tuple[int, float]]] = {f"k{k}": set() for k in range(KEYS)}
        for batch in log.acked + log.unknown:
            points = batch_points(log.index, batch)
            for key, step, value in points:
                expected_any[key].add((step, value))
            found = sum((step, value) in present[key] for key, step, value in points)
            has_param, has_tag = f"p{batch}" in params, f"t{batch}" in tags
            if batch in log.acked:
                if found != len(points) or not has_param or not has_tag:
                    lost.append(
                        f"run {log.run_id} batch {batch} (acknowledged): {found}/{len(points)} metrics, "
                        f"param {'present' if has_param else 'MISSING'}, tag {'present' if has_tag else 'MISSING'}"
                    )
            elif found == len(points) and has_param and has_tag:
                unknown_committed[0] += 1
            elif not (found == 0 and not has_param and not has_tag):
                partial.append(
                    f"run {log.run_id} batch {batch} (answer lost): {found}/{len(points)} metrics, "
                    f"param {has_param}, tag {has_tag}: partially written"
                )
        for key, pts in present.items():
            extra = pts - expected_any[key]
            if extra:
                stray.append(f"run {log.run_id} {key}: {len(extra)} points never sent, e.g. {sorted(extra)[:3]}")
            dupes = len(api.history(log.run_id, key)) - len(pts)
            if dupes:
                stray.append(f"run {log.run_id} {key}: {dupes} duplicate points")

    acked_total = sum(len(log.acked) for log in logs)
    unknown_total = sum(len(log.unknown) for log in logs)
    print(
        f"\n{CYCLES} kills; {acked_total} acknowledged batches, {unknown_total} with lost answers "
        f"({unknown_committed[0]} of them committed anyway)"
    )
    assert not lost, f"{len(lost)} acknowledged batches lost or incomplete:\n" + "\n".join(lost[:20])
    assert not partial, "non-atomic batches after a crash:\n" + "\n".join(partial[:20])
    assert not stray, "\n".join(stray[:20])

    if srv.backend.kind == "sqlite":
        assert srv.backend.query("PRAGMA integrity_check") == [("ok",)]
        assert srv.backend.query("PRAGMA foreign_key_check") == []
        assert srv.backend.query("PRAGMA journal_mode")[0][0].lower() == "wal", "SQLite is not in WAL mode"
    problems = check_latest_metrics(srv)
    assert not problems, f"latest_metrics disagrees with metrics in {len(problems)} places:\n" + "\n".join(
        problems[:20]
    )

    # The restarted server still takes writes to the same runs, and its bookkeeping follows.
    for log in logs:
        batch = log.next_batch
        api.ok(api.post("runs/log-batch", batch_body(log, batch)))
        last_key, last_step, last_value = batch_points(log.index, batch)[-1]
        latest = {m["key"]: m for m in api.run_data(log.run_id)["metrics"]}
        assert latest[last_key]["step"] == last_step and latest[last_key]["value"] == last_value, latest[last_key]
    assert not check_latest_metrics(srv)
