"""The LoggedModel API of 3.x clients (every 3.x `log_model` depends on it). Not collected for 2.x clients."""

from __future__ import annotations

import pytest

import mlflow
from mlflow.exceptions import MlflowException


def test_logged_model_life_cycle(client, experiment_id):
    model = client.create_logged_model(
        experiment_id, name="clf", params={"a": "1"}, tags={"t": "x"}, model_type="classifier"
    )
    model_id = model.model_id
    assert model_id.startswith("m-")
    assert model.experiment_id == experiment_id
    assert model.name == "clf"
    assert model.model_type == "classifier"
    assert str(model.status) == "PENDING"
    assert model.artifact_location.endswith(f"/models/{model_id}/artifacts")
    assert model.params == {"a": "1"}
    assert model.tags["t"] == "x"

    client.log_model_params(model_id, {"b": "2"})
    client.set_logged_model_tags(model_id, {"t": "y", "u": "z"})
    client.delete_logged_model_tag(model_id, "u")
    finalized = client.finalize_logged_model(model_id, "READY")
    assert str(finalized.status) == "READY"

    fetched = client.get_logged_model(model_id)
    assert fetched.params == {"a": "1", "b": "2"}
    assert fetched.tags["t"] == "y" and "u" not in fetched.tags
    assert str(fetched.status) == "READY"
    assert fetched.creation_timestamp > 0
    assert fetched.last_updated_timestamp >= fetched.creation_timestamp

    with pytest.raises(MlflowException) as excinfo:
        client.delete_logged_model_tag(model_id, "never-set")
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    client.delete_logged_model(model_id)
    assert model_id not in [m.model_id for m in client.search_logged_models([experiment_id])]


def test_metrics_linked_to_logged_model(client, experiment_id):
    model = client.create_logged_model(experiment_id, name="linked")
    with mlflow.start_run() as run:
        mlflow.log_metric("acc", 0.8, step=1, model_id=model.model_id)
        mlflow.log_metric("acc", 0.85, step=2, model_id=model.model_id)
        mlflow.log_metric("unlinked", 1.0)
    metrics = client.get_logged_model(model.model_id).metrics or []
    assert {(m.key, m.value, m.step) for m in metrics} >= {("acc", 0.85, 2)}
    assert all(m.key != "unlinked" for m in metrics)
    assert all(m.run_id == run.info.run_id for m in metrics if m.key == "acc")
    history = client.get_metric_history(run.info.run_id, "acc")
    assert sorted(m.value for m in history) == [0.8, 0.85]


def test_search_logged_models(client, experiment_id):
    ids = {}
    for index, name in enumerate(["alpha", "beta", "gamma"]):
        model = client.create_logged_model(experiment_id, name=name, params={"n": str(index)})
        with mlflow.start_run():
            mlflow.log_metric("score", index / 10, model_id=model.model_id)
        client.finalize_logged_model(model.model_id, "READY")
        ids[name] = model.model_id

    def names(**kwargs):
        found = client.search_logged_models([experiment_id], **kwargs)
        by_id = {v: k for k, v in ids.items()}
        return [by_id[m.model_id] for m in found]

    assert names(filter_string="name = 'beta'") == ["beta"]
    assert sorted(names(filter_string="name LIKE '%a'")) == ["alpha", "beta", "gamma"]
    assert names(filter_string="params.n = '2'") == ["gamma"]
    assert sorted(names(filter_string="metrics.score > 0.05")) == ["beta", "gamma"]
    assert names(order_by=[{"field_name": "creation_timestamp", "ascending": True}]) == ["alpha", "beta", "gamma"]
    assert names(order_by=[{"field_name": "name", "ascending": False}]) == ["gamma", "beta", "alpha"]

    collected, token = [], None
    for _ in range(5):
        page = client.search_logged_models(
            [experiment_id], max_results=2, order_by=[{"field_name": "name", "ascending": True}], page_token=token
        )
        collected += [m.name for m in page]
        token = page.token
        if not token:
            break
    assert collected == ["alpha", "beta", "gamma"]


def test_set_active_model_creates_once(client, experiment_id, unique_name):
    name = unique_name.replace("_", "-")
    try:
        first = mlflow.set_active_model(name=name)
        second = mlflow.set_active_model(name=name)
        assert first.model_id == second.model_id
        assert mlflow.get_active_model_id() == first.model_id
        assert client.get_logged_model(first.model_id).name == name
    finally:
        # The active model is process-wide: left set, every later metric in the session would carry its id.
        mlflow.clear_active_model()
