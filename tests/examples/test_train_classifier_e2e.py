"""The example pipeline (examples/pipelines/train_classifier.py, issue 12) end to end on a real `bosun server` (SQLite).

The Python form is compiled with the package from python/ and run with the CLI (`bosun pipeline run`): it trains
scikit-learn models (scikit-learn==1.5.2 from PyPI, in the step environment Bosun builds under this test's temporary
folder), keeps the best, registers it, waits for a person's approval and promotes it to the alias `champion` under
the model's promotion policy (set up as docs/governance.md shows). Then:

- a second run with the same parameters takes every cacheable step from the cache (`bosun pipeline plan` says `hit`
  first), registers and promotes a new version;
- a third run with other parameters names a model whose policy wants two approvals: its `promote` step is refused
  and the run fails; a second person approves through the registry's own route, `bosun pipeline resume` runs only
  `promote` again, and the steps that succeeded keep their runs;
- the registered version leads back to the pipeline run and its code version (registry -> source run ->
  `bosun.pipeline.run_id` -> the pipeline run, its document digest and the steps' git commit / dirty digest);
- the exit handler's webhook (a secret from the secret store) is told how each run ended.

Every wait is on a state (polled), never a fixed sleep.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar

import pytest
import requests

from robustness_support import PATIENCE_S, REPO, BosunServer, make_server, run_cli

NATIVE = "/api/bosun/v1"
MLFLOW = "/api/2.0/mlflow"
PIPELINE = "train-classifier"
MODEL = "iris-classifier"
STRICT_MODEL = "iris-classifier-strict"  # its policy wants two approvals: the third run's promote is refused
CACHEABLE = ["prepare", "train", "pick_best"]  # register and promote have cache off; approvals are never cached

T = TypeVar("T")


def wait_until(what: str, probe: Callable[[], Optional[T]], timeout: float = PATIENCE_S) -> T:
    """Polls `probe` until it returns something other than None (or False); fails after `timeout` seconds, the
    ceiling for a hung run, never a speed expectation."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:.0f}s")
        time.sleep(0.2)


class Receiver:
    """The exit handler's webhook: a local endpoint that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        bodies: List[Dict[str, Any]] = []
        self.bodies = bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Bosun:
    """The server under test, spoken to over HTTP (MLflow and native routes) and through the CLI."""

    def __init__(self, server: BosunServer) -> None:
        self.server = server
        self.url = server.url
        self.http = requests.Session()

    def native(self, method: str, path: str, body: Any = None, user: Optional[str] = None) -> Dict[str, Any]:
        headers = {"X-Bosun-User": user} if user else {}
        resp = self.http.request(method, f"{self.url}{NATIVE}{path}", json=body, headers=headers, timeout=60)
        assert resp.status_code == 200, f"{method} {path}: {resp.status_code} {resp.text[:2000]}"
        return resp.json()

    def mlflow(self, method: str, path: str, body: Any = None, params: Any = None) -> Dict[str, Any]:
        resp = self.http.request(method, f"{self.url}{MLFLOW}/{path}", json=body, params=params, timeout=60)
        assert resp.status_code == 200, f"{method} {path}: {resp.status_code} {resp.text[:2000]}"
        return resp.json()

    def cli(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = run_cli(*args, "--tracking-uri", self.url)
        if ok:
            assert proc.returncode == 0, (
                f"`bosun {' '.join(args)}` exited with {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
                f"\nserver log:\n{self.server.log_tail()}"
            )
        return proc

    def run(self, run_id: str) -> Dict[str, Any]:
        return self.native("GET", f"/pipelines/runs/{run_id}")

    def steps(self, run_id: str) -> Dict[str, Dict[str, Any]]:
        """The run's step runs by `step` or `step[item]`."""
        out: Dict[str, Dict[str, Any]] = {}
        for s in self.run(run_id)["steps"]:
            key = s["step"] if s["item_index"] is None else f"{s['step']}[{s['item_index']}]"
            out[key] = s
        return out

    def start(self, target: str, *params: str) -> str:
        flags = [arg for p in params for arg in ("-p", p)]
        proc = self.cli("pipeline", "run", target, *flags, "--code-dir", str(REPO), "--detach")
        return proc.stdout.strip().splitlines()[-1]

    def waiting_approval(self, run_id: str) -> Dict[str, Any]:
        def probe() -> Optional[Dict[str, Any]]:
            for a in self.native("GET", f"/pipelines/runs/{run_id}/approvals")["approvals"]:
                if a["step"] == "approve" and a["status"] == "waiting":
                    return a
            status = self.run(run_id)["run"]["status"]
            assert status == "running", f"run {run_id} ended ({status}) before its approval:\n{self.logs(run_id)}"
            return None

        return wait_until(f"run {run_id} to wait for approval", probe)

    def ended(self, run_id: str) -> Dict[str, Any]:
        def probe() -> Optional[Dict[str, Any]]:
            run = self.run(run_id)
            return run if run["run"]["status"] != "running" else None

        return wait_until(f"run {run_id} to end", probe)

    def logs(self, run_id: str) -> str:
        return run_cli("pipeline", "logs", run_id, "--tracking-uri", self.url).stdout[-6000:]

    def champion(self, model: str) -> str:
        body = self.mlflow("GET", "registered-models/alias", params={"name": model, "alias": "champion"})
        return str(body["model_version"]["version"])

    def tags(self, run_id: str) -> Dict[str, str]:
        run = self.mlflow("GET", "runs/get", params={"run_id": run_id})["run"]
        return {t["key"]: t["value"] for t in run["data"].get("tags", [])}


@pytest.fixture(scope="module")
def bosun(bosun_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bosun]:
    work = tmp_path_factory.mktemp("example-e2e")
    receiver = Receiver()
    key_file = work / "master.key"
    key_file.write_text(f"example:{base64.b64encode(secrets.token_bytes(32)).decode()}\n")
    server = make_server(work / "server", "sqlite")
    steps_tmp = work / "steps-tmp"  # the step work folders and the scikit-learn environment are built in here
    steps_tmp.mkdir()
    python_bin = str(Path(sys.executable).parent)  # `python3` of the steps: this interpreter, which has mlflow
    server.extra_env = {
        "BOSUN_MASTER_KEY_FILE": str(key_file),
        "PATH": f"{python_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO / "python"),  # the working tree's bosun_pipelines, imported by the example module
        "TMPDIR": str(steps_tmp),
        "PIP_CACHE_DIR": str(work / "pip-cache"),  # the environment's build reads nothing outside this test's folders
    }
    server.extra_args = ["--resource-classes", str(REPO / "examples/pipelines/resource-classes.yaml")]
    # The exit handler's webhook URL, a secret in the store (written before the server starts, as an operator would).
    hook_file = work / "hook.txt"
    hook_file.write_text(receiver.url)
    put = run_cli(
        "secrets",
        "put",
        "team/slack-webhook",
        "--value-file",
        str(hook_file),
        "--backend-store-uri",
        server.backend.uri,
        "--master-key-file",
        str(key_file),
    )
    assert put.returncode == 0, put.stderr
    server.start()
    b = Bosun(server)
    b.receiver = receiver  # type: ignore[attr-defined]
    try:
        yield b
    finally:
        server.stop()
        receiver.close()


def compile_example(out: Path) -> Path:
    """`python -m bosun_pipelines compile` with the package from python/."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bosun_pipelines",
            "compile",
            "examples.pipelines.train_classifier:train_classifier",
            "-o",
            str(out),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "python")},
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def set_policy(b: Bosun, model: str, required_approvals: int) -> None:
    """A promotion policy on `alias:champion`, as docs/governance.md shows: the version's accuracy (logged on its
    source run) must be at least 0.8 and `required_approvals` people other than the requester approved it."""
    b.native(
        "PUT",
        f"/registry/models/{model}/policies",
        {
            "target": "alias:champion",
            "metric_conditions": [{"metric": "accuracy", "op": ">=", "value": 0.8}],
            "required_approvals": required_approvals,
        },
    )


def approve(b: Bosun, run_id: str, user: str) -> None:
    """The approval step, approved through the CLI by `user` (auth is off: the decider is asserted)."""
    b.cli("pipeline", "approve", run_id, "approve", "--user", user, "--comment", "accuracy is fine")


def assert_code_version(tags: Dict[str, str]) -> None:
    """A step run's code version: a commit of this repository and the digest of what was not committed."""
    commit = tags.get("mlflow.source.git.commit", "")
    assert re.fullmatch(r"[0-9a-f]{40}", commit), tags
    # A commit object of this repository (not necessarily HEAD: another commit may land while the test runs).
    known = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=REPO, capture_output=True)
    assert known.returncode == 0, f"{commit} is not a commit of {REPO}"
    assert re.fullmatch(r"clean|sha256:[0-9a-f]{64}", tags.get("bosun.code.dirty_digest", "")), tags


def test_the_example_pipeline_end_to_end(bosun: Bosun, tmp_path: Path) -> None:
    b = bosun
    receiver: Receiver = b.receiver  # type: ignore[attr-defined]
    document = compile_example(tmp_path / "train-classifier.yaml")
    b.mlflow("POST", "registered-models/create", {"name": MODEL})
    set_policy(b, MODEL, required_approvals=1)

    # ---- run 1: everything runs; the policy holds the promotion until a person approved
    run1 = b.start(str(document))
    waiting = b.waiting_approval(run1)
    assert re.fullmatch(rf"Promote {MODEL} version 1 \(accuracy [0-9.]+\)\?", waiting["message"]), waiting
    check = b.native("GET", f"/registry/models/{MODEL}/versions/1/promotion-check?target=alias:champion")
    assert check["allowed"] is False and any("0 of 1 required approvals" in u for u in check["unmet"]), check
    approve(b, run1, "reviewer")
    done1 = b.ended(run1)
    assert done1["run"]["status"] == "succeeded", b.logs(run1)
    steps1 = b.steps(run1)
    assert {k: s["state"] for k, s in steps1.items()} == {
        "prepare": "succeeded",
        "train[0]": "succeeded",
        "train[1]": "succeeded",
        "train[2]": "succeeded",
        "pick_best": "succeeded",
        "register": "succeeded",
        "approve": "succeeded",
        "promote": "succeeded",
        "notify": "succeeded",
    }
    assert b.champion(MODEL) == "1"
    wait_until("the webhook to hear of run 1", lambda: {"text": f"{PIPELINE} succeeded"} in receiver.bodies)

    # ---- run 2, same parameters: the plan says hit, then every cacheable step is taken from the cache
    plan = json.loads(b.cli("pipeline", "plan", PIPELINE, "--json").stdout)["plan"]
    decisions = {(p["step"] if p["item_index"] is None else f"{p['step']}[{p['item_index']}]"): p for p in plan}
    cacheable = [k for k in decisions if k.split("[")[0] in CACHEABLE]
    assert sorted(cacheable) == ["pick_best", "prepare", "train[0]", "train[1]", "train[2]"]
    for k in cacheable:
        assert decisions[k]["decision"] == "hit", decisions[k]
        assert decisions[k]["cached_from_run"] == steps1[k]["mlflow_run_id"], decisions[k]
    assert decisions["register"]["decision"] == "disabled", decisions["register"]  # cache off: runs each time
    for k in ("approve", "promote"):  # they read the version register will make
        assert decisions[k]["decision"] == "unknown" and "register" in decisions[k]["reason"], decisions[k]

    run2 = b.start(PIPELINE)  # by name: the latest version, same document
    b.waiting_approval(run2)
    approve(b, run2, "reviewer")
    assert b.ended(run2)["run"]["status"] == "succeeded", b.logs(run2)
    steps2 = b.steps(run2)
    for k in cacheable:
        assert steps2[k]["state"] == "cached", steps2[k]
        assert steps2[k]["outputs"] == steps1[k]["outputs"], k  # by reference: the same artifacts
        made_by = b.tags(steps1[k]["mlflow_run_id"])["bosun.pipeline.step_run_id"]
        assert steps2[k]["cached_from"] == made_by, (k, steps2[k])
        hit = b.tags(steps2[k]["mlflow_run_id"])  # the cached step still has its own run, saying where from
        assert (hit["bosun.pipeline.cache"], hit["bosun.pipeline.cached_from_run"]) == (
            "hit",
            steps1[k]["mlflow_run_id"],
        ), k
    assert steps2["register"]["outputs"]["version"] == "2"
    assert b.champion(MODEL) == "2"

    # ---- run 3 fails on purpose: its model's policy wants two approvals, the run brings one
    b.mlflow("POST", "registered-models/create", {"name": STRICT_MODEL})
    set_policy(b, STRICT_MODEL, required_approvals=2)
    run3 = b.start(PIPELINE, "rows=120", f"model_name={STRICT_MODEL}")  # other data: nothing from the cache
    b.waiting_approval(run3)
    approve(b, run3, "reviewer")
    failed = b.ended(run3)
    assert failed["run"]["status"] == "failed", failed["run"]
    steps3 = b.steps(run3)
    assert steps3["promote"]["state"] == "failed", steps3["promote"]
    assert "1 of 2 required approvals" in b.logs(run3), b.logs(run3)
    kept = {k: s for k, s in steps3.items() if k not in ("promote", "notify")}
    assert {s["state"] for s in kept.values()} == {"succeeded"}, {k: s["state"] for k, s in kept.items()}
    wait_until("the webhook to hear of run 3's failure", lambda: {"text": f"{PIPELINE} failed"} in receiver.bodies)

    # The fix: a second person approves the version through the registry's own routes; then resume.
    request = b.native(
        "POST",
        f"/registry/models/{STRICT_MODEL}/versions/1/approvals",
        {"target": "alias:champion", "comment": "second pair of eyes"},
        user="ml-lead",
    )["approval"]
    b.native("POST", f"/registry/approvals/{request['id']}/approve", {"comment": "agreed"}, user="second-reviewer")
    resumed = b.cli("pipeline", "resume", run3, "--json")
    assert json.loads(resumed.stdout)["run"]["status"] == "succeeded", resumed.stdout
    steps3b = b.steps(run3)
    assert steps3b["promote"]["state"] == "succeeded" and steps3b["promote"]["attempt"] == 2, steps3b["promote"]
    for k, before in kept.items():  # reused, not run again: the same step run, attempt and MLflow run
        after = steps3b[k]
        assert (after["state"], after["attempt"], after["mlflow_run_id"]) == (
            before["state"],
            before["attempt"],
            before["mlflow_run_id"],
        ), k
    runs_of_train = b.mlflow(
        "POST",
        "runs/search",
        {
            "experiment_ids": [done1["run"]["experiment_id"]],
            "filter": f"tags.`bosun.pipeline.run_id` = '{run3}' and tags.`bosun.pipeline.step` = 'train'",
        },
    ).get("runs", [])
    assert len(runs_of_train) == 3, [r["info"]["run_id"] for r in runs_of_train]  # one per item, none re-run
    assert b.champion(STRICT_MODEL) == "1"

    # ---- lineage: registered version -> source run -> pipeline run -> its document and code version
    version = b.mlflow("GET", "model-versions/get", params={"name": STRICT_MODEL, "version": "1"})["model_version"]
    source_run = version["run_id"]
    assert source_run == steps3["register"]["mlflow_run_id"], version
    source_tags = b.tags(source_run)
    assert source_tags["bosun.pipeline.run_id"] == run3
    assert source_tags["bosun.pipeline.step"] == "register"
    assert source_tags["mlflow.parentRunId"] == run3  # the pipeline run is an MLflow run too
    assert_code_version(source_tags)
    pipeline_tags = b.tags(run3)
    definition = b.native("GET", f"/pipelines/definitions/{PIPELINE}")
    assert pipeline_tags["bosun.pipeline.name"] == PIPELINE
    assert pipeline_tags["bosun.pipeline.digest"] == definition["pipeline"]["digest"], definition["pipeline"]
    assert b.run(run3)["run"]["params"]["model_name"] == STRICT_MODEL
    # Upstream along the data: the model came from pick_best, which chose among the train runs of this run.
    for k in ("prepare", "train[0]", "pick_best"):
        step_tags = b.tags(steps3[k]["mlflow_run_id"])
        assert step_tags["bosun.pipeline.run_id"] == run3
        assert_code_version(step_tags)
    assert b.tags(steps3["train[0]"]["mlflow_run_id"])["bosun.environment.venv"].startswith("sha256:")
    logged = b.mlflow("GET", f"logged-models/{version['model_id']}")["model"]["info"]
    assert logged["source_run_id"] == source_run
    assert wait_until(
        "the webhook to hear of the resumed run",
        lambda: receiver.bodies.count({"text": f"{PIPELINE} succeeded"}) >= 3,
    )

    # ---- cost: train names the class cpu-small (examples/pipelines/resource-classes.yaml, $0.10 an hour of wall
    # time); the other steps name none, so their cost is unknown (null), never 0. Cache hits count as savings.
    def cost(*args: str) -> Dict[str, Any]:
        return json.loads(b.cli("pipeline", "cost", *args, "--json").stdout)

    def unit(s: Dict[str, Any]) -> str:
        return s["step"] if s["item_index"] is None else f"{s['step']}[{s['item_index']}]"

    cost1 = cost(run1)
    by_unit1 = {unit(s): s for s in cost1["steps"]}
    for k in ("train[0]", "train[1]", "train[2]"):
        s = by_unit1[k]
        assert s["resource_class"] == "cpu-small" and s["wall_ms"] > 0, s
        assert s["cost_usd"] == pytest.approx(s["wall_ms"] / 3_600_000 * 0.10), s
    assert by_unit1["prepare"]["cost_usd"] is None and by_unit1["prepare"]["wall_ms"] > 0, by_unit1["prepare"]
    train_cost1 = sum(by_unit1[f"train[{i}]"]["cost_usd"] for i in range(3))
    assert cost1["total"]["cost_usd"] == pytest.approx(train_cost1), cost1["total"]
    assert cost1["total"]["cached_steps"] == 0 and cost1["total"]["unpriced_steps"] >= 4, cost1["total"]

    cost2 = cost(run2)  # the cached train items cost nothing and saved what run 1 paid for them
    by_unit2 = {unit(s): s for s in cost2["steps"]}
    for i in range(3):
        s = by_unit2[f"train[{i}]"]
        assert (s["state"], s["cost_usd"] or 0) == ("cached", 0), s
        assert s["saved_usd"] == pytest.approx(by_unit1[f"train[{i}]"]["cost_usd"]), s
    assert cost2["total"]["saved_usd"] == pytest.approx(train_cost1), cost2["total"]
    assert cost2["total"]["cached_steps"] == 5, cost2["total"]

    cost3 = cost(run3)  # rows=120: trained again, priced again
    assert cost3["total"]["cost_usd"] > 0 and cost3["total"]["cached_steps"] == 0, cost3["total"]
    assert {unit(s): s["attempt"] for s in cost3["steps"]}["promote"] == 2  # both attempts of promote counted

    per_pipeline = cost("--pipeline", PIPELINE)  # the roll-up over its three runs
    assert per_pipeline["runs"] == 3, per_pipeline
    assert per_pipeline["total"]["cost_usd"] == pytest.approx(
        sum(c["total"]["cost_usd"] or 0 for c in (cost1, cost2, cost3))
    ), per_pipeline
    assert per_pipeline["total"]["saved_usd"] == pytest.approx(train_cost1), per_pipeline

    per_version = cost("--model", STRICT_MODEL, "--version", "1")  # the version -> the pipeline run that built it
    assert (per_version["pipeline_run_id"], per_version["source_run_id"]) == (run3, source_run), per_version
    assert per_version["total"] == cost3["total"], per_version
