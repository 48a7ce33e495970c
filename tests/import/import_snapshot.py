"""Everything a tracking server holds, read through the `mlflow` client, as plain data to compare field by field.

The same function reads the MLflow source and the Bosun target. Server-specific values that cannot be equal
(experiment ids, artifact locations, registration times) are left out; what Bosun adds on purpose (each version's
`bosun.scan.*` tags, the logged model's `mlflow.modelVersions` tag, which Bosun writes itself) is kept apart in
`bosun` so the comparison stays exact and the fingerprint still covers it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.entities import ViewType


@contextmanager
def signed_in(username: str | None, password: str | None):
    """The mlflow client reads credentials from the environment: set them for the block only."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    try:
        for key, value in (("MLFLOW_TRACKING_USERNAME", username), ("MLFLOW_TRACKING_PASSWORD", password)):
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _value(v: float) -> float | str:
    """NaN and infinities by name. MLflow's server stores an infinity as the largest double and answers that
    number; Bosun stores it the same way but answers "Infinity": the same stored point, spelled two ways."""
    if abs(v) == sys.float_info.max:
        v = math.copysign(math.inf, v)
    return repr(v) if math.isnan(v) or math.isinf(v) else v


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run_artifacts(client: MlflowClient, run_id: str) -> dict[str, str]:
    if not client.list_artifacts(run_id):
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(run_id, "", tmp)
        return _files(Path(local))


def _uri_artifacts(uri: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=tmp)
        return _files(Path(local))


def _runs(client: MlflowClient, experiment_id: str) -> list:
    runs, token = [], None
    while True:
        page = client.search_runs([experiment_id], run_view_type=ViewType.ALL, max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def snapshot(url: str) -> dict:
    """Experiments (by name), their runs and logged models, and the registry of the server at `url`."""
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    out: dict = {"experiments": {}, "registered_models": {}, "bosun": {"versions": {}, "logged_models": {}}}
    for e in sorted(client.search_experiments(view_type=ViewType.ALL), key=lambda x: x.name):
        runs = {}
        for r in _runs(client, e.experiment_id):
            rid = r.info.run_id
            runs[rid] = {
                "run_name": r.info.run_name,
                "user_id": r.info.user_id,
                "status": r.info.status,
                "start_time": r.info.start_time,
                "end_time": r.info.end_time,
                "lifecycle_stage": r.info.lifecycle_stage,
                "params": dict(r.data.params),
                "tags": dict(r.data.tags),
                "metrics": {
                    key: [(m.step, m.timestamp, _value(m.value)) for m in client.get_metric_history(rid, key)]
                    for key in sorted(r.data.metrics)
                },
                "datasets": sorted(
                    (
                        d.dataset.name,
                        d.dataset.digest,
                        d.dataset.source_type,
                        d.dataset.source,
                        d.dataset.schema,
                        d.dataset.profile,
                        tuple(sorted((t.key, t.value) for t in d.tags)),
                    )
                    for d in (r.inputs.dataset_inputs if r.inputs else [])
                ),
                "model_outputs": sorted(o.model_id for o in (r.outputs.model_outputs if r.outputs else [])),
                "artifacts": _run_artifacts(client, rid),
            }
        models = {}
        if e.lifecycle_stage == "active":
            for m in client.search_logged_models(experiment_ids=[e.experiment_id]):
                tags = dict(m.tags)
                out["bosun"]["logged_models"][m.model_id] = tags.pop("mlflow.modelVersions", None)
                models[m.model_id] = {
                    "name": m.name,
                    "status": str(m.status),
                    "source_run_id": m.source_run_id,
                    "creation_timestamp": m.creation_timestamp,
                    "params": dict(m.params),
                    "tags": tags,
                    "artifacts": _uri_artifacts(f"models:/{m.model_id}"),
                }
        out["experiments"][e.name] = {
            "lifecycle_stage": e.lifecycle_stage,
            "tags": dict(e.tags),
            "runs": runs,
            "logged_models": models,
        }
    for rm in client.search_registered_models():
        versions = {}
        for v in client.search_model_versions(f"name='{rm.name}'"):
            full = client.get_model_version(rm.name, v.version)
            tags = dict(full.tags)
            scan = {k: tags.pop(k) for k in list(tags) if k.startswith("bosun.scan.")}
            out["bosun"]["versions"][f"{rm.name}/{v.version}"] = scan
            versions[str(v.version)] = {
                "run_id": full.run_id,
                "source": full.source,
                "stage": full.current_stage,
                "description": full.description,
                "status": full.status,
                "tags": tags,
                "aliases": sorted(full.aliases),
            }
        out["registered_models"][rm.name] = {
            "description": rm.description,
            "tags": dict(rm.tags),
            "aliases": dict(rm.aliases),
            "versions": versions,
        }
    return out


def fingerprint(data: dict) -> str:
    """A stable digest of a snapshot (everything in it, Bosun's own additions included)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
