"""Tracking routes MLflow's web UI calls (issue 10, finding 6): metrics/get-history-bulk, get-history-bulk-interval
(MLflow's sampling and messages) and experiments/search-datasets, as raw HTTP (the Python client has no call for
them), checked against what the client itself logs and reads (log_metric, get_metric_history, log_input). In both
artifact modes, which must not change them."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
import requests

import mlflow

from conftest import CLIENT_AUTH, PATIENCE_S, BosunServer

AJAX = "/ajax-api/2.0/mlflow"


def _get(server: BosunServer, path: str, params: dict[str, object]) -> requests.Response:
    return requests.get(f"{server.url}{path}", params=params, timeout=PATIENCE_S, auth=CLIENT_AUTH)


@pytest.fixture
def mode_client(artifact_mode_server: BosunServer) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=artifact_mode_server.url)


@pytest.fixture
def two_runs(mode_client) -> tuple[str, str]:
    """Runs with `metricA` at steps 0..9 and 0..19 (timestamp 1, value 10), logged by the client."""
    experiment_id = mode_client.create_experiment(f"bulk-{uuid.uuid4().hex[:10]}")
    runs = []
    for count in (10, 20):
        run_id = mode_client.create_run(experiment_id).info.run_id
        for step in range(count):
            mode_client.log_metric(run_id, "metricA", 10.0, timestamp=1, step=step)
        runs.append(run_id)
    return runs[0], runs[1]


def test_history_bulk_interval_samples_as_mlflow(artifact_mode_server, mode_client, two_runs):
    ten, twenty = two_runs
    assert [m.step for m in mode_client.get_metric_history(ten, "metricA")] == list(range(10))
    url = f"{AJAX}/metrics/get-history-bulk-interval"
    one = _get(artifact_mode_server, url, {"run_ids": [ten], "metric_key": "metricA", "max_results": 5})
    assert one.status_code == 200, one.text
    assert one.json()["metrics"] == [
        {"key": "metricA", "value": 10.0, "timestamp": 1, "step": step, "run_id": ten} for step in [0, 2, 4, 6, 8, 9]
    ]
    both = _get(artifact_mode_server, url, {"run_ids": [ten, twenty], "metric_key": "metricA", "max_results": 5})
    steps = [0, 4, 8, 9, 12, 16, 19]
    assert [(m["run_id"], m["step"]) for m in both.json()["metrics"]] == [
        *[(ten, s) for s in steps if s < 10],
        *[(twenty, s) for s in steps],
    ]
    too_many = _get(artifact_mode_server, url, {"run_ids": [f"id_{i}" for i in range(101)], "metric_key": "key"})
    assert too_many.status_code == 400
    assert too_many.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids." in (
        too_many.json()["message"]
    )


def test_history_bulk_returns_every_value_by_run(artifact_mode_server, two_runs):
    ten, twenty = two_runs
    answer = _get(artifact_mode_server, f"{AJAX}/metrics/get-history-bulk", {"run_id": [twenty, ten], "metric_key": "metricA"})
    assert answer.status_code == 200, answer.text
    metrics = answer.json()["metrics"]
    first, second = sorted([ten, twenty])
    assert [m["run_id"] for m in metrics] == [first] * (10 if first == ten else 20) + [second] * (
        10 if second == ten else 20
    )
    assert metrics[0] == {"key": "metricA", "value": 10.0, "timestamp": 1, "step": 0, "run_id": first}
    capped = _get(
        artifact_mode_server, f"{AJAX}/metrics/get-history-bulk", {"run_id": [ten], "metric_key": "metricA", "max_results": 3}
    )
    assert len(capped.json()["metrics"]) == 3


def test_search_datasets_lists_what_runs_logged(artifact_mode_server, mode_client):
    experiment = mlflow.set_experiment(f"datasets-{uuid.uuid4().hex[:10]}")
    dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [1, 2, 3]}), name="name1")
    with mlflow.start_run(experiment_id=experiment.experiment_id):
        mlflow.log_input(dataset, context="training")
    answer = requests.post(
        f"{artifact_mode_server.url}{AJAX}/experiments/search-datasets",
        json={"experiment_ids": [experiment.experiment_id]},
        timeout=PATIENCE_S,
        auth=CLIENT_AUTH,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["dataset_summaries"] == [
        {
            "experiment_id": experiment.experiment_id,
            "name": "name1",
            "digest": dataset.digest,
            "context": "training",
        }
    ]
    none = requests.post(
        f"{artifact_mode_server.url}{AJAX}/experiments/search-datasets", json={}, timeout=PATIENCE_S, auth=CLIENT_AUTH
    )
    assert none.status_code == 400
    assert none.json()["message"] == "SearchDatasets request must specify at least one experiment_id."
