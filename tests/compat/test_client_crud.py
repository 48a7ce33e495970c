"""MlflowClient life cycle of experiments and runs, and the error codes the client branches on."""

from __future__ import annotations

import uuid

import pytest

import mlflow
from mlflow.entities import Param, RunTag, ViewType
from mlflow.exceptions import MlflowException

from conftest import IS_MLFLOW_3


def test_default_experiment_exists(client):
    default = client.get_experiment("0")
    assert default.experiment_id == "0"
    assert default.name == "Default"
    assert default.lifecycle_stage == "active"
    assert client.get_experiment_by_name("Default").experiment_id == "0"


def test_experiment_create_get_rename_tags(client, unique_name):
    experiment_id = client.create_experiment(unique_name, tags={"team": "red", "purpose": "compat"})
    assert isinstance(experiment_id, str) and experiment_id

    experiment = client.get_experiment(experiment_id)
    assert experiment.name == unique_name
    assert experiment.lifecycle_stage == "active"
    assert experiment.tags == {"team": "red", "purpose": "compat"}
    assert experiment.artifact_location
    assert experiment.creation_time is not None and experiment.creation_time > 0
    assert experiment.last_update_time is not None and experiment.last_update_time >= experiment.creation_time
    assert client.get_experiment_by_name(unique_name).experiment_id == experiment_id

    client.set_experiment_tag(experiment_id, "team", "blue")
    client.set_experiment_tag(experiment_id, "extra", "x" * 1000)
    tags = client.get_experiment(experiment_id).tags
    assert tags["team"] == "blue" and tags["extra"] == "x" * 1000
    if IS_MLFLOW_3:
        client.delete_experiment_tag(experiment_id, "extra")
        assert "extra" not in client.get_experiment(experiment_id).tags

    renamed = unique_name + "-renamed"
    client.rename_experiment(experiment_id, renamed)
    assert client.get_experiment(experiment_id).name == renamed
    assert client.get_experiment_by_name(renamed).experiment_id == experiment_id
    assert client.get_experiment_by_name(unique_name) is None


def test_experiment_delete_and_restore_cascade_to_runs(client, unique_name):
    experiment_id = client.create_experiment(unique_name)
    run = client.create_run(experiment_id)

    client.delete_experiment(experiment_id)
    deleted = client.get_experiment(experiment_id)
    assert deleted.lifecycle_stage == "deleted"
    # a deleted experiment is still found by name (and keeps the name)
    assert client.get_experiment_by_name(unique_name).lifecycle_stage == "deleted"
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    active_ids = {e.experiment_id for e in client.search_experiments(view_type=ViewType.ACTIVE_ONLY)}
    deleted_ids = {e.experiment_id for e in client.search_experiments(view_type=ViewType.DELETED_ONLY)}
    all_ids = {e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)}
    assert experiment_id not in active_ids
    assert experiment_id in deleted_ids
    assert experiment_id in all_ids

    # the client refuses to make a deleted experiment the active one
    with pytest.raises(MlflowException, match="deleted"):
        mlflow.set_experiment(unique_name)

    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


def test_set_experiment_creates_if_missing(client, unique_name):
    assert client.get_experiment_by_name(unique_name) is None
    created = mlflow.set_experiment(unique_name)
    assert created.name == unique_name
    assert created.lifecycle_stage == "active"
    again = mlflow.set_experiment(unique_name)
    assert again.experiment_id == created.experiment_id
    by_id = mlflow.set_experiment(experiment_id=created.experiment_id)
    assert by_id.name == unique_name
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == created.experiment_id
    assert mlflow.get_experiment_by_name(unique_name).experiment_id == created.experiment_id


def test_run_update_delete_restore_and_tags(client, unique_name):
    experiment_id = client.create_experiment(unique_name)
    run = client.create_run(
        experiment_id, run_name="first-name", tags={"a": "1", "b": "2"}, start_time=1_600_000_000_000
    )
    run_id = run.info.run_id
    assert run.info.status == "RUNNING"
    assert run.info.start_time == 1_600_000_000_000
    assert run.info.run_name == "first-name"
    assert run.data.tags["a"] == "1"

    client.update_run(run_id, name="second-name")
    fetched = client.get_run(run_id)
    assert fetched.info.run_name == "second-name"
    assert fetched.data.tags["mlflow.runName"] == "second-name"

    client.set_tag(run_id, "c", "3")
    client.set_tag(run_id, "a", "one")
    client.delete_tag(run_id, "b")
    tags = client.get_run(run_id).data.tags
    assert tags["a"] == "one" and tags["c"] == "3" and "b" not in tags

    client.log_batch(
        run_id,
        params=[Param("p1", "v1"), Param("p2", "v2")],
        tags=[RunTag("batch-tag", "yes")],
    )
    fetched = client.get_run(run_id)
    assert fetched.data.params == {"p1": "v1", "p2": "v2"}
    assert fetched.data.tags["batch-tag"] == "yes"

    client.set_terminated(run_id, status="KILLED", end_time=1_600_000_005_000)
    fetched = client.get_run(run_id)
    assert fetched.info.status == "KILLED"
    assert fetched.info.end_time == 1_600_000_005_000

    client.update_run(run_id, status="FINISHED")
    assert client.get_run(run_id).info.status == "FINISHED"

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    assert run_id not in {r.info.run_id for r in client.search_runs([experiment_id])}
    assert run_id in {r.info.run_id for r in client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)}
    # writes to a deleted run are refused
    with pytest.raises(MlflowException) as excinfo:
        client.log_param(run_id, "late", "x")
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"

    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    assert run_id in {r.info.run_id for r in client.search_runs([experiment_id])}


def test_get_experiment_by_name_missing_returns_none(client):
    assert client.get_experiment_by_name(f"no-such-experiment-{uuid.uuid4().hex}") is None
    assert mlflow.get_experiment_by_name(f"no-such-experiment-{uuid.uuid4().hex}") is None


def test_duplicate_experiment_raises_resource_already_exists(client, unique_name):
    client.create_experiment(unique_name)
    with pytest.raises(MlflowException) as excinfo:
        client.create_experiment(unique_name)
    assert excinfo.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_log_param_with_different_value_raises_invalid_parameter_value(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        mlflow.log_param("lr", "0.1")  # same value again is fine
        with pytest.raises(MlflowException) as excinfo:
            mlflow.log_param("lr", "0.2")
        assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run.info.run_id).data.params["lr"] == "0.1"


def test_missing_run_and_experiment_raise_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as excinfo:
        client.get_run(uuid.uuid4().hex)
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as excinfo:
        client.get_experiment("987654321")
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_invalid_metric_key_raises_invalid_parameter_value(client, experiment_id):
    with mlflow.start_run() as run:
        with pytest.raises(MlflowException) as excinfo:
            client.log_metric(run.info.run_id, "../escape", 1.0)
        assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"


def test_writes_to_deleted_things_and_missing_tags(client, unique_name):
    experiment_id = client.create_experiment(unique_name)
    run = client.create_run(experiment_id)
    with pytest.raises(MlflowException) as excinfo:
        client.delete_tag(run.info.run_id, "never-set")
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.delete_experiment(experiment_id)
    with pytest.raises(MlflowException) as excinfo:
        client.create_run(experiment_id)
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as excinfo:
        client.create_experiment(unique_name)  # a deleted experiment keeps its name
    assert excinfo.value.error_code == "RESOURCE_ALREADY_EXISTS"
