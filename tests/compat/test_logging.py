"""Fluent logging: runs, params, metrics, tags, small artifacts, datasets and nested runs."""

from __future__ import annotations

import json
import math

import pandas as pd
import yaml

import mlflow
from mlflow.entities import RunStatus


def test_start_run_logs_params_metrics_tags(client, experiment_id):
    with mlflow.start_run(run_name="basic-run") as run:
        run_id = run.info.run_id
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"optimizer": "adam", "layers": 3, "unicode": "héllo wörld"})
        mlflow.log_metric("loss", 1.5, step=0)
        mlflow.log_metric("loss", 0.75, step=1)
        mlflow.log_metric("loss", 0.25, step=2)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=5)
        mlflow.set_tag("team", "red")
        mlflow.set_tags({"stage": "dev", "owner.email": "a@example.com"})

    fetched = client.get_run(run_id)
    assert fetched.info.run_id == run_id
    assert fetched.info.experiment_id == experiment_id
    assert fetched.info.run_name == "basic-run"
    assert fetched.info.status == "FINISHED"
    assert fetched.info.lifecycle_stage == "active"
    assert fetched.info.end_time is not None and fetched.info.end_time >= fetched.info.start_time
    assert fetched.info.artifact_uri  # where artifacts go: must be present
    assert fetched.data.params == {"alpha": "0.5", "optimizer": "adam", "layers": "3", "unicode": "héllo wörld"}
    # data.metrics holds the latest value per key (highest step)
    assert fetched.data.metrics == {"loss": 0.25, "acc": 0.9, "f1": 0.8}
    assert fetched.data.tags["team"] == "red"
    assert fetched.data.tags["stage"] == "dev"
    assert fetched.data.tags["owner.email"] == "a@example.com"
    assert fetched.data.tags["mlflow.runName"] == "basic-run"
    # tags the fluent API adds on its own
    assert "mlflow.user" in fetched.data.tags
    assert "mlflow.source.name" in fetched.data.tags

    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [(0, 1.5), (1, 0.75), (2, 0.25)]
    assert all(m.timestamp > 0 for m in history)


def test_run_without_name_gets_generated_name(client, experiment_id):
    with mlflow.start_run() as run:
        pass
    fetched = client.get_run(run.info.run_id)
    assert fetched.info.run_name
    assert fetched.data.tags["mlflow.runName"] == fetched.info.run_name


def test_failed_run_status(client, experiment_id):
    try:
        with mlflow.start_run() as run:
            raise ValueError("boom")
    except ValueError:
        pass
    assert client.get_run(run.info.run_id).info.status == RunStatus.to_string(RunStatus.FAILED)


def test_log_dict_and_log_text(client, experiment_id):
    payload = {"learning_rate": 0.01, "layers": [64, 32], "name": "net"}
    with mlflow.start_run() as run:
        mlflow.log_dict(payload, "config/params.json")
        mlflow.log_dict(payload, "config/params.yaml")
        mlflow.log_text("line one\nline two ✓\n", "notes/readme.txt")
    artifact_uri = run.info.artifact_uri
    assert mlflow.artifacts.load_dict(f"{artifact_uri}/config/params.json") == payload
    assert yaml.safe_load(mlflow.artifacts.load_text(f"{artifact_uri}/config/params.yaml")) == payload
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes/readme.txt") == "line one\nline two ✓\n"
    listed = sorted(f.path for f in client.list_artifacts(run.info.run_id, "config"))
    assert listed == ["config/params.json", "config/params.yaml"]


def test_log_input_pandas_dataset(client, experiment_id):
    df = pd.DataFrame({"x1": [1.0, 2.0, 3.0, 4.0], "x2": [0.5, 0.1, 0.2, 0.3], "y": [0, 1, 0, 1]})
    source = "https://example.com/compat/train.csv"
    dataset = mlflow.data.from_pandas(df, source=source, targets="y", name="small-train")
    expected = dataset._to_mlflow_entity()
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")

    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    logged = inputs[0].dataset
    assert logged.name == "small-train"
    assert logged.digest == dataset.digest == expected.digest
    assert logged.source_type == "http"
    assert json.loads(logged.source) == {"url": source}
    assert json.loads(logged.schema) == json.loads(expected.schema)
    assert json.loads(logged.profile) == json.loads(expected.profile)
    assert {tag.key: tag.value for tag in inputs[0].tags}["mlflow.data.context"] == "training"

    # the same dataset logged again by another run is the same dataset (digest) on the server
    with mlflow.start_run() as second:
        mlflow.log_input(dataset, context="eval")
    second_inputs = client.get_run(second.info.run_id).inputs.dataset_inputs
    assert [i.dataset.digest for i in second_inputs] == [dataset.digest]
    assert {tag.key: tag.value for tag in second_inputs[0].tags}["mlflow.data.context"] == "eval"

    def found(filter_string: str) -> set[str]:
        runs = mlflow.search_runs(experiment_ids=[experiment_id], filter_string=filter_string, output_format="list")
        return {r.info.run_id for r in runs}

    assert found("dataset.name = 'small-train'") == {run.info.run_id, second.info.run_id}
    assert found(f"dataset.digest = '{dataset.digest}' AND dataset.context = 'training'") == {run.info.run_id}
    assert found("dataset.context = 'eval'") == {second.info.run_id}
    assert found("dataset.name = 'other'") == set()


def test_nested_runs(client, experiment_id):
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child-a", nested=True) as child_a:
            mlflow.log_metric("m", 1)
        with mlflow.start_run(run_name="child-b", nested=True) as child_b:
            mlflow.log_metric("m", 2)
        assert mlflow.active_run().info.run_id == parent.info.run_id

    for child in (child_a, child_b):
        fetched = client.get_run(child.info.run_id)
        assert fetched.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert fetched.info.status == "FINISHED"
    assert "mlflow.parentRunId" not in client.get_run(parent.info.run_id).data.tags

    children = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["metrics.m ASC"],
    )
    assert list(children["run_id"]) == [child_a.info.run_id, child_b.info.run_id]
    assert list(children["tags.mlflow.runName"]) == ["child-a", "child-b"]


def test_metric_special_values_round_trip(client, experiment_id):
    values = [0.5, float("nan"), float("inf"), float("-inf"), -1e-12, 1e300, 42.0]
    with mlflow.start_run() as run:
        for step, value in enumerate(values):
            mlflow.log_metric("weird", value, step=step)
        mlflow.log_metric("latest_nan", 1.0, step=0)
        mlflow.log_metric("latest_nan", float("nan"), step=1)
        mlflow.log_metric("latest_inf", float("-inf"), step=3)

    history = sorted(client.get_metric_history(run.info.run_id, "weird"), key=lambda m: m.step)
    assert [m.step for m in history] == list(range(len(values)))
    for metric, expected in zip(history, values):
        if math.isnan(expected):
            assert math.isnan(metric.value), metric
        else:
            assert metric.value == expected, metric

    latest = client.get_run(run.info.run_id).data.metrics
    assert latest["weird"] == 42.0
    assert math.isnan(latest["latest_nan"])
    assert latest["latest_inf"] == float("-inf")


def test_metric_history_many_steps(client, experiment_id):
    """More points than one log-batch call (1,000 metrics) and a big step value."""
    from mlflow.entities import Metric

    with mlflow.start_run() as run:
        pass
    run_id = run.info.run_id
    now = 1_700_000_000_000
    metrics = [Metric("curve", step * 0.5, now + step, step) for step in range(2500)]
    metrics.append(Metric("curve", -3.0, now, 2**40))
    client.log_batch(run_id, metrics=metrics)

    history = client.get_metric_history(run_id, "curve")
    assert len(history) == 2501
    by_step = {m.step: m.value for m in history}
    assert by_step[0] == 0.0 and by_step[2499] == 1249.5 and by_step[2**40] == -3.0
    assert client.get_run(run_id).data.metrics["curve"] == -3.0


def test_log_metric_with_timestamp_and_duplicate_steps(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("dup", 1.0, step=1, timestamp=1_000)
        mlflow.log_metric("dup", 2.0, step=1, timestamp=2_000)
    history = sorted(client.get_metric_history(run.info.run_id, "dup"), key=lambda m: m.timestamp)
    assert [(m.timestamp, m.step, m.value) for m in history] == [(1_000, 1, 1.0), (2_000, 1, 2.0)]
    # same step: the later timestamp is the latest value
    assert client.get_run(run.info.run_id).data.metrics["dup"] == 2.0


def test_long_param_and_tag_values(client, experiment_id):
    long_param = "p" * 6000
    long_tag = "t" * 8000
    with mlflow.start_run() as run:
        mlflow.log_param("long", long_param)
        mlflow.set_tag("long", long_tag)
        mlflow.log_param("key with spaces/and.slashes-1", "ok")
    data = client.get_run(run.info.run_id).data
    assert data.params["long"] == long_param
    assert data.tags["long"] == long_tag
    assert data.params["key with spaces/and.slashes-1"] == "ok"


def test_resume_run_by_id(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0, step=0)
    assert client.get_run(run.info.run_id).info.status == "FINISHED"
    with mlflow.start_run(run_id=run.info.run_id) as resumed:
        assert resumed.info.run_id == run.info.run_id
        assert client.get_run(run.info.run_id).info.status == "RUNNING"
        mlflow.log_metric("m", 2.0, step=1)
    fetched = client.get_run(run.info.run_id)
    assert fetched.info.status == "FINISHED"
    assert fetched.data.metrics["m"] == 2.0
    assert len(client.get_metric_history(run.info.run_id, "m")) == 2


def test_async_logging(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_params({f"p{i}": i for i in range(30)}, synchronous=False)
        for step in range(20):
            mlflow.log_metric("async_metric", step / 10, step=step, synchronous=False)
        operation = mlflow.set_tags({"async": "yes"}, synchronous=False)
        operation.wait()
    data = client.get_run(run.info.run_id).data
    assert data.params == {f"p{i}": str(i) for i in range(30)}
    assert data.tags["async"] == "yes"
    assert len(client.get_metric_history(run.info.run_id, "async_metric")) == 20
    assert data.metrics["async_metric"] == 1.9
