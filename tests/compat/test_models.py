"""scikit-learn models: log_model, pyfunc.load_model and autologging through the real client."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import mlflow
import mlflow.sklearn

from conftest import IS_MLFLOW_3

# log_model infers pip requirements by re-importing the model in a subprocess (seconds); naming them skips that.
PIP_REQUIREMENTS = ["scikit-learn", "numpy"]


@pytest.fixture(scope="module")
def training_data():
    X, y = make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)
    return X, y


def _log_model(model, name: str, **kwargs):
    if IS_MLFLOW_3:
        return mlflow.sklearn.log_model(model, name=name, pip_requirements=PIP_REQUIREMENTS, **kwargs)
    return mlflow.sklearn.log_model(model, artifact_path=name, pip_requirements=PIP_REQUIREMENTS, **kwargs)


def test_sklearn_log_model_and_load(client, experiment_id, training_data, tmp_path):
    X, y = training_data
    model = LogisticRegression(C=0.5, max_iter=200).fit(X, y)
    expected = model.predict(X)
    expected_proba = model.predict_proba(X)

    with mlflow.start_run() as run:
        mlflow.log_param("C", 0.5)
        mlflow.log_metric("train_acc", float((expected == y).mean()))
        info = _log_model(model, "model")
    run_id = run.info.run_id

    # the model's files are in the run's artifacts (2.x) or the logged model's (3.x); runs:/ resolves both
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(by_run.predict(X), expected)
    sk_by_run = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    np.testing.assert_allclose(sk_by_run.predict_proba(X), expected_proba)

    if IS_MLFLOW_3:
        assert info.model_id and info.model_uri == f"models:/{info.model_id}"
        by_id = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
        np.testing.assert_array_equal(by_id.predict(X), expected)

        logged = client.get_logged_model(info.model_id)
        assert logged.model_id == info.model_id
        assert logged.name == "model"
        assert logged.experiment_id == experiment_id
        assert logged.source_run_id == run_id
        assert str(logged.status) == "READY"
        assert logged.params.get("C") == "0.5"

        fetched = client.get_run(run_id)
        assert [o.model_id for o in fetched.outputs.model_outputs] == [info.model_id]

        found = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
        assert [m.model_id for m in found] == [info.model_id]
    else:
        assert info.model_uri == f"runs:/{run_id}/model"
        names = {f.path for f in client.list_artifacts(run_id, "model")}
        assert "model/MLmodel" in names
        # 2.x reports the model's metadata with POST runs/log-model; the server keeps it in a run tag (the UI's
        # list of a run's models). The client swallows a failure there, so only this assertion notices it.
        history = json.loads(client.get_run(run_id).data.tags["mlflow.log-model.history"])
        assert [entry["artifact_path"] for entry in history] == ["model"]
        assert history[0]["run_id"] == run_id
        assert "sklearn" in history[0]["flavors"]

    # the MLmodel file is served back intact
    (tmp_path / "m").mkdir()
    local = mlflow.artifacts.download_artifacts(artifact_uri=f"runs:/{run_id}/model", dst_path=str(tmp_path / "m"))
    flavors = mlflow.models.Model.load(local).flavors
    assert "sklearn" in flavors and "python_function" in flavors


def test_sklearn_log_model_without_active_run(client, experiment_id, training_data):
    """3.x logs a model with no active run as a logged model without source_run_id."""
    if not IS_MLFLOW_3:
        # 2.x log_model starts a run on its own: check that path instead.
        X, y = training_data
        model = LogisticRegression(max_iter=200).fit(X, y)
        info = _log_model(model, "model")
        mlflow.end_run()
        loaded = mlflow.pyfunc.load_model(info.model_uri)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        return
    X, y = training_data
    model = LogisticRegression(max_iter=200).fit(X, y)
    info = mlflow.sklearn.log_model(model, name="standalone", pip_requirements=PIP_REQUIREMENTS)
    assert mlflow.active_run() is None
    logged = client.get_logged_model(info.model_id)
    assert not logged.source_run_id  # None or ""
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_sklearn_autolog(client, experiment_id, training_data):
    X, y = training_data
    mlflow.sklearn.autolog(log_input_examples=False, log_model_signatures=False, silent=True)
    try:
        with mlflow.start_run() as run:
            model = LogisticRegression(C=2.0, max_iter=300).fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)
    run_id = run.info.run_id

    fetched = client.get_run(run_id)
    assert fetched.data.params["C"] == "2.0"
    assert fetched.data.params["max_iter"] == "300"
    assert 0.5 < fetched.data.metrics["training_accuracy_score"] <= 1.0
    assert "training_f1_score" in fetched.data.metrics
    assert fetched.data.tags["estimator_name"] == "LogisticRegression"
    assert fetched.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    # autolog records the training data as a dataset input
    assert len(fetched.inputs.dataset_inputs) >= 1
    assert all(i.dataset.digest for i in fetched.inputs.dataset_inputs)

    if IS_MLFLOW_3:
        [output] = fetched.outputs.model_outputs
        loaded = mlflow.pyfunc.load_model(f"models:/{output.model_id}")
        logged = client.get_logged_model(output.model_id)
        assert logged.source_run_id == run_id
        # metrics logged by autolog are linked to the logged model
        assert any(m.key == "training_accuracy_score" for m in logged.metrics or [])
    else:
        assert "model/MLmodel" in {f.path for f in client.list_artifacts(run_id, "model")}
        loaded = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
