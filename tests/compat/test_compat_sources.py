"""Issue 10, findings 1 and 2: model-version sources and logged models as MLflow's server treats them, through the
real client, in both artifact modes (the server proxying artifacts, and --no-serve-artifacts with a file:// root,
where clients write run artifacts to local folders and register them by their local path)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import numpy as np
import pytest
import requests
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import mlflow
import mlflow.sklearn
from mlflow.exceptions import MlflowException

from conftest import CLIENT_AUTH, IS_MLFLOW_3

PIP_REQUIREMENTS = ["scikit-learn", "numpy"]
NO_LOGGED_MODELS = "mlflow 2.x clients have no logged-model API (MlflowClient.create_logged_model and friends)"


@pytest.fixture
def server(artifact_mode_server):
    """Each artifact mode in turn; the fluent API and MLFLOW_TRACKING_URI point at it for the test."""
    return artifact_mode_server


@pytest.fixture
def mlflow_client(server) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=server.url, registry_uri=server.url)


@pytest.fixture
def exp_id(mlflow_client, unique_name) -> str:
    return mlflow_client.create_experiment(unique_name)


def _refused(call) -> MlflowException:
    with pytest.raises(MlflowException) as excinfo:
        call()
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE", excinfo.value.message
    return excinfo.value


def _local_path(uri: str) -> str:
    """The local folder of a file:// artifact URI (a plain path stays as it is)."""
    return url2pathname(urlsplit(uri).path) if uri.startswith("file:") else uri


def test_runs_source_of_a_run_the_server_does_not_have(server, mlflow_client, unique_name):
    mlflow_client.create_registered_model(unique_name)
    version = mlflow_client.create_model_version(unique_name, "runs:/run_id/model", "run_id")
    assert (version.version, version.run_id, version.source) == ("1", "run_id", "runs:/run_id/model")
    assert mlflow_client.get_model_version_download_uri(unique_name, "1") == "runs:/run_id/model"
    # Never scanned: the files are not on this server (so a clean-scan promotion gate refuses it).
    assert mlflow_client.get_model_version(unique_name, "1").tags["bosun.scan.status"] == "failed"
    refused = _refused(lambda: mlflow_client.create_model_version(unique_name, "runs:/run_id/model", "run_id_1"))
    assert "The run_id request parameter must identify the resource that contains the source" in refused.message


def test_source_inside_the_run_artifact_folder(server, mlflow_client, exp_id, unique_name, tmp_path):
    run = mlflow_client.create_run(exp_id)
    run_id, root = run.info.run_id, run.info.artifact_uri
    assert root.startswith(server.default_artifact_root)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "MLmodel").write_text("flavors: {}\n")
    mlflow_client.log_artifacts(run_id, str(model_dir), "model")
    mlflow_client.create_registered_model(unique_name)

    sources = [f"{root}/model"]
    if server.artifact_mode == "file-root":
        sources.append(os.path.join(_local_path(root), "model"))  # a plain local path, as MLflow accepts
    for source in sources:
        version = mlflow_client.create_model_version(unique_name, source, run_id)
        assert version.source == source and version.run_id == run_id
        uri = mlflow_client.get_model_version_download_uri(unique_name, version.version)
        fetched = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path / f"v{version.version}"))
        assert (Path(fetched) / "MLmodel").read_text() == "flavors: {}\n"

    other = mlflow_client.create_run(exp_id)
    for source in (f"{root}/../../escape", f"{other.info.artifact_uri}/model", root):
        _refused(lambda source=source: mlflow_client.create_model_version(unique_name, source, run_id))
    if server.artifact_mode == "file-root":
        local = os.path.join(_local_path(root), "model")
        message = _refused(lambda: mlflow_client.create_model_version(unique_name, local)).message
        assert "the run_id request parameter has to be specified" in message
        _refused(lambda: mlflow_client.create_model_version(unique_name, "/etc", run_id))
    mlflow_client.set_terminated(run_id)
    mlflow_client.set_terminated(other.info.run_id)


@pytest.fixture(scope="module")
def trained():
    X, y = make_classification(n_samples=100, n_features=5, n_informative=3, random_state=0)
    return LogisticRegression(max_iter=200).fit(X, y), X


def _log_model(model, name: str, **kwargs):
    if IS_MLFLOW_3:
        return mlflow.sklearn.log_model(model, name=name, pip_requirements=PIP_REQUIREMENTS, **kwargs)
    return mlflow.sklearn.log_model(model, artifact_path=name, pip_requirements=PIP_REQUIREMENTS, **kwargs)


def test_register_model_and_load_it_back(server, exp_id, unique_name, trained):
    model, X = trained
    mlflow.set_experiment(experiment_id=exp_id)
    with mlflow.start_run() as run:
        _log_model(model, "model", registered_model_name=f"{unique_name}-direct")
    registered = mlflow.register_model(f"runs:/{run.info.run_id}/model", unique_name)
    assert registered.version == "1"
    for name in (unique_name, f"{unique_name}-direct"):
        loaded = mlflow.sklearn.load_model(f"models:/{name}/1")
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_logged_model_with_a_source_run_the_server_does_not_have(server, mlflow_client, exp_id):
    if not IS_MLFLOW_3:
        pytest.skip(NO_LOGGED_MODELS)
    model = mlflow_client.create_logged_model(exp_id, name="elsewhere", source_run_id="123")
    assert model.source_run_id == "123"
    assert mlflow_client.get_logged_model(model.model_id).source_run_id == "123"


def test_deleted_logged_model_is_not_found(server, mlflow_client, exp_id):
    if not IS_MLFLOW_3:
        pytest.skip(NO_LOGGED_MODELS)
    model = mlflow_client.create_logged_model(exp_id, name="deleted")
    mlflow_client.delete_logged_model(model.model_id)
    with pytest.raises(MlflowException) as excinfo:
        mlflow_client.get_logged_model(model.model_id)
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert model.model_id not in [m.model_id for m in mlflow_client.search_logged_models([exp_id])]
    # The client does not expose MLflow's allow_deleted=true: raw HTTP.
    url = f"{server.url}/api/2.0/mlflow/logged-models/{model.model_id}"
    kept = requests.get(url, params={"allow_deleted": "true"}, auth=CLIENT_AUTH, timeout=60)
    assert kept.status_code == 200, kept.text
    assert kept.json()["model"]["info"]["model_id"] == model.model_id


def test_create_model_version_model_id_lists_the_version_on_the_logged_model(
    server, mlflow_client, exp_id, unique_name
):
    """As MLflow's test_create_model_version_model_id: the logged model's mlflow.modelVersions tag lists each
    version registered from it, spelt as MLflow's server writes it (json.dumps)."""
    if not IS_MLFLOW_3:
        pytest.skip(NO_LOGGED_MODELS)
    model = mlflow_client.create_logged_model(exp_id, name="listed")
    mlflow_client.create_registered_model(unique_name)
    first = mlflow_client.create_model_version(unique_name, model.artifact_location, model_id=model.model_id)
    assert first.version == "1"
    tags = mlflow_client.get_logged_model(model.model_id).tags
    assert tags["mlflow.modelVersions"] == f'[{{"name": "{unique_name}", "version": 1}}]'
    mlflow_client.create_model_version(unique_name, model.artifact_location, model_id=model.model_id)
    url = f"{server.url}/api/2.0/mlflow/logged-models/{model.model_id}"
    body = requests.get(url, auth=CLIENT_AUTH, timeout=30).json()
    listed = {t["key"]: t["value"] for t in body["model"]["info"]["tags"]}["mlflow.modelVersions"]
    assert listed == json.dumps([{"name": unique_name, "version": 1}, {"name": unique_name, "version": 2}])


def test_search_logged_models_by_dataset(server, mlflow_client, exp_id):
    if not IS_MLFLOW_3:
        pytest.skip(NO_LOGGED_MODELS)
    on_train = mlflow_client.create_logged_model(exp_id, name="on-train")
    on_test = mlflow_client.create_logged_model(exp_id, name="on-test")
    mlflow_client.create_logged_model(exp_id, name="no-metrics")
    run_id = mlflow_client.create_run(exp_id).info.run_id
    mlflow_client.log_metric(run_id, "acc", 0.9, model_id=on_train.model_id, dataset_name="train", dataset_digest="d1")
    mlflow_client.log_metric(run_id, "acc", 0.7, model_id=on_test.model_id, dataset_name="test", dataset_digest="d2")

    def names(**kwargs) -> list[str]:
        return sorted(m.name for m in mlflow_client.search_logged_models([exp_id], **kwargs))

    assert names() == ["no-metrics", "on-test", "on-train"]
    assert names(datasets=[{"dataset_name": "train"}]) == ["on-train"]
    assert names(datasets=[{"dataset_name": "test", "dataset_digest": "d2"}]) == ["on-test"]
    assert names(datasets=[{"dataset_name": "test", "dataset_digest": "other"}]) == []
    assert names(datasets=[{"dataset_name": "train"}, {"dataset_name": "test"}]) == ["on-test", "on-train"]
    assert names(filter_string="metrics.acc > 0.8", datasets=[{"dataset_name": "test"}]) == []
    mlflow_client.set_terminated(run_id)


def test_run_model_inputs(server, mlflow_client, exp_id):
    if not IS_MLFLOW_3:
        pytest.skip("mlflow 2.x clients cannot log model inputs (MlflowClient.log_inputs has no `models`)")
    from mlflow.entities import LoggedModelInput

    used = mlflow_client.create_logged_model(exp_id, name="used")
    run_id = mlflow_client.create_run(exp_id).info.run_id
    mlflow_client.log_inputs(run_id, models=[LoggedModelInput(model_id=used.model_id)])
    inputs = mlflow_client.get_run(run_id).inputs
    assert [m.model_id for m in inputs.model_inputs] == [used.model_id]
    mlflow_client.set_terminated(run_id)
