"""Model registry through the real client: registration, versions, aliases, stages, search, loading by URI."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import requests
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import mlflow
import mlflow.sklearn
from mlflow.exceptions import MlflowException

from conftest import CLIENT_AUTH, IS_MLFLOW_3, PATIENCE_S

PIP_REQUIREMENTS = ["scikit-learn", "numpy"]


def _error_code(excinfo: pytest.ExceptionInfo[MlflowException]) -> str:
    return excinfo.value.error_code


def _log_model(model, name: str, **kwargs):
    if IS_MLFLOW_3:
        return mlflow.sklearn.log_model(model, name=name, pip_requirements=PIP_REQUIREMENTS, **kwargs)
    return mlflow.sklearn.log_model(model, artifact_path=name, pip_requirements=PIP_REQUIREMENTS, **kwargs)


@pytest.fixture(scope="module")
def registered(bosun_server):
    """One model logged with registered_model_name (version 1) and registered again from runs:/ (version 2)."""
    mlflow.set_experiment(f"registry-{uuid.uuid4().hex[:10]}")
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, random_state=1)
    model = LogisticRegression(C=0.7, max_iter=200).fit(X, y)
    name = f"rf-{uuid.uuid4().hex[:10]}"
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", float((model.predict(X) == y).mean()))
        info = _log_model(model, "model", registered_model_name=name)
    second = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    return {
        "name": name,
        "run_id": run.info.run_id,
        "info": info,
        "second": second,
        "X": X,
        "expected": model.predict(X),
        "expected_proba": model.predict_proba(X),
    }


def test_log_model_and_register_model_create_ready_versions(client, registered):
    name, run_id = registered["name"], registered["run_id"]
    v1 = client.get_model_version(name, "1")
    assert v1.status == "READY"
    assert v1.current_stage == "None"
    assert v1.run_id == run_id
    assert registered["second"].version in ("2", 2)
    assert registered["second"].status == "READY"
    if IS_MLFLOW_3:
        # (the client does not read model_id back from a ModelVersion: its from_proto leaves it out)
        assert v1.source == f"models:/{registered['info'].model_id}"
        # the client records the versions on the logged model
        logged = client.get_logged_model(registered["info"].model_id)
        assert name in logged.tags.get("mlflow.modelVersions", "")
    uri = client.get_model_version_download_uri(name, "1")
    assert uri.startswith("mlflow-artifacts:/")
    model = client.get_registered_model(name)
    assert [v.version for v in model.latest_versions] == ["2"]


def test_load_model_by_alias_version_latest_and_stage(client, registered):
    name, X = registered["name"], registered["X"]
    client.set_registered_model_alias(name, "champion", "1")
    by_alias_version = client.get_model_version_by_alias(name, "champion")
    assert by_alias_version.version == "1"
    assert "champion" in by_alias_version.aliases
    assert client.get_registered_model(name).aliases == {"champion": "1"}

    for uri in (f"models:/{name}@champion", f"models:/{name}/1", f"models:/{name}/2", f"models:/{name}/latest"):
        loaded = mlflow.pyfunc.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(X), registered["expected"], err_msg=uri)
    sk = mlflow.sklearn.load_model(f"models:/{name}@champion")
    np.testing.assert_allclose(sk.predict_proba(X), registered["expected_proba"])

    client.transition_model_version_stage(name, "2", "production")
    loaded = mlflow.pyfunc.load_model(f"models:/{name}/Production")
    np.testing.assert_array_equal(loaded.predict(X), registered["expected"])

    client.delete_registered_model_alias(name, "champion")
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version_by_alias(name, "champion")
    assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE"


def test_registered_model_crud(client, unique_name):
    created = client.create_registered_model(unique_name, tags={"team": "ml"}, description="first")
    assert created.name == unique_name
    assert created.description == "first"
    assert created.tags == {"team": "ml"}
    with pytest.raises(MlflowException) as excinfo:
        client.create_registered_model(unique_name)
    assert _error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"

    updated = client.update_registered_model(unique_name, description="second")
    assert updated.description == "second"
    client.set_registered_model_tag(unique_name, "stage", "dev")
    client.delete_registered_model_tag(unique_name, "team")
    assert client.get_registered_model(unique_name).tags == {"stage": "dev"}

    client.rename_registered_model(unique_name, f"{unique_name}-new")
    assert client.get_registered_model(f"{unique_name}-new").tags == {"stage": "dev"}
    with pytest.raises(MlflowException) as excinfo:
        client.get_registered_model(unique_name)
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"

    client.delete_registered_model(f"{unique_name}-new")
    with pytest.raises(MlflowException) as excinfo:
        client.get_registered_model(f"{unique_name}-new")
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_model_version_crud_tags_aliases_and_stages(client, unique_name):
    client.create_registered_model(unique_name)
    with mlflow.start_run() as run:
        pass
    source = f"{run.info.artifact_uri}/model"
    versions = [
        client.create_model_version(unique_name, source, run_id=run.info.run_id, tags={"i": str(i)}) for i in range(4)
    ]
    assert [v.version for v in versions] == ["1", "2", "3", "4"]
    assert all(v.status == "READY" for v in versions)
    # Bosun adds the scan verdict tag (bosun.scan.status; "failed" here: the run's model folder is empty).
    assert versions[0].tags == {"i": "0", "bosun.scan.status": "failed"}

    updated = client.update_model_version(unique_name, "1", description="the first")
    assert updated.description == "the first"
    client.set_model_version_tag(unique_name, "1", "validated", "true")
    client.delete_model_version_tag(unique_name, "1", "i")
    assert client.get_model_version(unique_name, "1").tags == {"validated": "true", "bosun.scan.status": "failed"}

    client.set_registered_model_alias(unique_name, "champion", "3")
    assert client.get_model_version_by_alias(unique_name, "champion").version == "3"

    client.transition_model_version_stage(unique_name, "1", "Staging")
    client.transition_model_version_stage(unique_name, "2", "Production")
    moved = client.transition_model_version_stage(unique_name, "3", "Production", archive_existing_versions=True)
    assert moved.current_stage == "Production"
    assert client.get_model_version(unique_name, "2").current_stage == "Archived"
    latest = {v.current_stage: v.version for v in client.get_latest_versions(unique_name)}
    assert latest == {"None": "4", "Staging": "1", "Production": "3", "Archived": "2"}
    assert [v.version for v in client.get_latest_versions(unique_name, stages=["Production"])] == ["3"]

    client.delete_model_version(unique_name, "3")
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version(unique_name, "3")
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    assert client.get_registered_model(unique_name).aliases == {}
    # numbers are never reused
    assert client.create_model_version(unique_name, source, run_id=run.info.run_id).version == "5"


def test_search_registered_models_and_versions_with_filters_and_paging(client, unique_name):
    names = [f"{unique_name}-{suffix}" for suffix in ("a", "b", "c")]
    with mlflow.start_run() as run:
        pass
    for index, name in enumerate(names):
        client.create_registered_model(name, tags={"family": "even" if index % 2 == 0 else "odd"})
        for _ in range(2):
            client.create_model_version(name, f"{run.info.artifact_uri}/m", run_id=run.info.run_id, tags={"n": name})

    found = client.search_registered_models(filter_string=f"name LIKE '{unique_name}-%'")
    assert [m.name for m in found] == names
    assert [m.name for m in client.search_registered_models(filter_string=f"name = '{names[1]}'")] == [names[1]]
    even = client.search_registered_models(filter_string=f"name LIKE '{unique_name}%' AND tags.family = 'even'")
    assert [m.name for m in even] == [names[0], names[2]]
    ordered = client.search_registered_models(
        filter_string=f"name ILIKE '{unique_name.upper()}-%'", order_by=["name DESC"]
    )
    assert [m.name for m in ordered] == names[::-1]

    first = client.search_registered_models(filter_string=f"name LIKE '{unique_name}-%'", max_results=2)
    assert [m.name for m in first] == names[:2] and first.token
    rest = client.search_registered_models(
        filter_string=f"name LIKE '{unique_name}-%'", max_results=2, page_token=first.token
    )
    assert [m.name for m in rest] == names[2:] and not rest.token

    by_name = client.search_model_versions(f"name = '{names[0]}'")
    assert sorted(v.version for v in by_name) == ["1", "2"]
    by_run = client.search_model_versions(f"run_id = '{run.info.run_id}'")
    assert len(by_run) == 6
    by_tag = client.search_model_versions(f"tags.n = '{names[2]}'")
    assert {v.name for v in by_tag} == {names[2]}
    page = client.search_model_versions(f"run_id = '{run.info.run_id}'", max_results=4, order_by=["name ASC"])
    assert len(page) == 4 and page.token
    tail = client.search_model_versions(
        f"run_id = '{run.info.run_id}'", max_results=4, order_by=["name ASC"], page_token=page.token
    )
    assert len(tail) == 2 and not tail.token
    fluent = mlflow.search_model_versions(filter_string=f"name = '{names[1]}'")
    assert sorted(v.version for v in fluent) == ["1", "2"]


def test_unsafe_sources_are_refused_and_get_artifact_stays_in_the_store(client, bosun_server, unique_name):
    client.create_registered_model(unique_name)
    for source in ("file:///etc/", "/etc", "//proc/self/root", "mlflow-artifacts://h:1/../../../../"):
        for tags in ({}, {"mlflow.prompt.is_prompt": "true"}):
            with pytest.raises(MlflowException) as excinfo:
                client.create_model_version(unique_name, source, tags=tags)
            assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE", source
    for prefix in ("", "/ajax-api/2.0/mlflow"):
        response = requests.get(
            f"{bosun_server.url}{prefix}/model-versions/get-artifact",
            params={"name": unique_name, "version": "1", "path": "../../../../etc/passwd"},
            timeout=PATIENCE_S,
            auth=CLIENT_AUTH,
        )
        assert response.status_code in (400, 404)
        assert "root:" not in response.text
