"""Artifacts in both of the server's artifact modes (issue 10, findings 3, 4 and 6): proxied (the default) and
``--no-serve-artifacts`` with a ``file://`` default artifact root, where clients write artifacts to that folder
themselves. Through the real client where it has the call (log_artifact, list_artifacts, download_artifacts,
create_experiment), raw HTTP for the routes only MLflow's web UI calls (get-artifact, upload-artifact, the logged
model's file routes)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

import mlflow
from mlflow.exceptions import MlflowException

from conftest import CLIENT_AUTH, IS_MLFLOW_3, PATIENCE_S, REPO_ROOT, BosunServer, read_stored

API = "/api/2.0/mlflow"
AJAX = "/ajax-api/2.0/mlflow"


def _get(server: BosunServer, route: str, **params: str) -> requests.Response:
    return requests.get(f"{server.url}{route}", params=params, timeout=PATIENCE_S, auth=CLIENT_AUTH)


def _invalid_path(response: requests.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert response.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}


@pytest.fixture
def mode_client(artifact_mode_server: BosunServer) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=artifact_mode_server.url)


@pytest.fixture
def default_run(artifact_mode_server, mode_client, tmp_path) -> str:
    """A run of the Default experiment (0) with `notes/a.txt` and `sub/data.csv`, logged by the client."""
    table = tmp_path / "data.csv"
    table.write_text("a,b\n1,2\n")
    with mlflow.start_run(experiment_id="0") as run:
        mlflow.log_text("hello", "notes/a.txt")
        mlflow.log_artifact(str(table), artifact_path="sub")
    return run.info.run_id


def test_default_experiment_takes_the_default_artifact_root(artifact_mode_server, mode_client):
    location = mode_client.get_experiment("0").artifact_location
    if artifact_mode_server.file_root:
        assert location == f"{artifact_mode_server.default_artifact_root}/0"
    else:
        assert location == "mlflow-artifacts:/0"


def test_log_artifact_to_the_default_experiment(artifact_mode_server, mode_client, default_run, tmp_path):
    run = mode_client.get_run(default_run)
    assert run.info.experiment_id == "0"
    assert {(f.path, f.is_dir) for f in mode_client.list_artifacts(default_run)} == {("notes", True), ("sub", True)}
    assert [f.path for f in mode_client.list_artifacts(default_run, "notes")] == ["notes/a.txt"]
    local = mode_client.download_artifacts(default_run, "notes/a.txt", str(tmp_path))
    assert Path(local).read_text() == "hello"
    if artifact_mode_server.file_root:
        # The client wrote it under the server's file:// or s3:// root itself.
        assert run.info.artifact_uri.startswith(f"{artifact_mode_server.default_artifact_root}/0/")
        assert read_stored(f"{run.info.artifact_uri}/sub/data.csv") == b"a,b\n1,2\n"


def test_tracking_api_lists_artifacts_in_both_modes(artifact_mode_server, mode_client, default_run):
    root_uri = mode_client.get_run(default_run).info.artifact_uri
    for prefix in (API, AJAX):
        top = _get(artifact_mode_server, f"{prefix}/artifacts/list", run_id=default_run)
        assert top.status_code == 200, top.text
        assert top.json() == {
            "root_uri": root_uri,
            "files": [{"path": "notes", "is_dir": True}, {"path": "sub", "is_dir": True}],
        }
        sub = _get(artifact_mode_server, f"{prefix}/artifacts/list", run_id=default_run, path="sub")
        assert sub.json()["files"] == [{"path": "sub/data.csv", "is_dir": False, "file_size": 8}]
        _invalid_path(_get(artifact_mode_server, f"{prefix}/artifacts/list", run_id=default_run, path="../path"))


def test_relative_experiment_location_is_resolved_against_the_servers_folder(artifact_mode_server, mode_client):
    name = f"my_location_{uuid.uuid4().hex[:10]}"
    if artifact_mode_server.file_root:
        experiment_id = mode_client.create_experiment(name, artifact_location=name)
        # The server runs in the repository folder; nothing is written there until a client logs an artifact.
        assert mode_client.get_experiment(experiment_id).artifact_location == str(REPO_ROOT / name)
        assert not (REPO_ROOT / name).exists()
    else:
        # While the server serves artifacts, a location must be inside its store; the resolved folder is not.
        with pytest.raises(MlflowException) as refused:
            mode_client.create_experiment(name, artifact_location=name)
        assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
        assert str(REPO_ROOT / name) in refused.value.message


def test_web_ui_downloads_and_uploads_one_file(artifact_mode_server, mode_client, default_run, tmp_path):
    got = _get(artifact_mode_server, "/get-artifact", run_id=default_run, path="notes/a.txt")
    assert got.status_code == 200, got.text
    assert got.content == b"hello"
    assert got.headers["content-disposition"].startswith("attachment")
    _invalid_path(_get(artifact_mode_server, "/get-artifact", run_id=default_run, path="../notes/a.txt"))
    assert _get(artifact_mode_server, "/get-artifact", run_id=default_run, path="missing.txt").status_code == 404

    upload = requests.post(
        f"{artifact_mode_server.url}{AJAX}/upload-artifact",
        params={"run_uuid": default_run, "path": "ui/uploaded.json"},
        data=b'{"from": "ui"}',
        headers={"Content-Type": "application/json"},
        timeout=PATIENCE_S,
        auth=CLIENT_AUTH,
    )
    assert upload.status_code == 200, upload.text
    local = mode_client.download_artifacts(default_run, "ui/uploaded.json", str(tmp_path))
    assert Path(local).read_bytes() == b'{"from": "ui"}'
    empty = requests.post(
        f"{artifact_mode_server.url}{AJAX}/upload-artifact",
        params={"run_uuid": default_run, "path": "ui/empty.txt"},
        data=b"",
        timeout=PATIENCE_S,
        auth=CLIENT_AUTH,
    )
    assert (empty.status_code, empty.json()["message"]) == (400, "Request must specify data.")


def test_web_ui_downloads_a_registered_versions_file(artifact_mode_server, mode_client, tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "MLmodel").write_text("flavors: {}\n")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(tmp_path / "model"), artifact_path="model")
    name = f"ui-files-{uuid.uuid4().hex[:10]}"
    mode_client.create_registered_model(name)
    version = mode_client.create_model_version(name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    got = _get(artifact_mode_server, "/model-versions/get-artifact", name=name, version=version.version, path="MLmodel")
    assert got.status_code == 200, got.text
    assert got.content == b"flavors: {}\n"
    _invalid_path(
        _get(artifact_mode_server, "/model-versions/get-artifact", name=name, version=version.version, path="../x")
    )


if IS_MLFLOW_3:  # logged models are a 3.x client API

    def test_web_ui_reads_a_logged_models_artifacts(artifact_mode_server, mode_client, tmp_path):
        experiment_id = mode_client.create_experiment(f"logged-model-files-{uuid.uuid4().hex[:10]}")
        model = mode_client.create_logged_model(experiment_id, name="clf")
        source = tmp_path / "model"
        (source / "data").mkdir(parents=True)
        (source / "MLmodel").write_text("flavors: {}\n")
        (source / "data" / "model.pkl").write_bytes(b"\x80pickle")
        mode_client.log_model_artifacts(model.model_id, str(source))

        for prefix in (API, AJAX):
            listed = _get(artifact_mode_server, f"{prefix}/logged-models/{model.model_id}/artifacts/directories")
            assert listed.status_code == 200, listed.text
            assert listed.json() == {
                "root_uri": model.artifact_location,
                "files": [{"path": "MLmodel", "is_dir": False, "file_size": 12}, {"path": "data", "is_dir": True}],
            }
        data = _get(
            artifact_mode_server,
            f"{API}/logged-models/{model.model_id}/artifacts/directories",
            artifact_directory_path="data",
        )
        assert data.json()["files"] == [{"path": "data/model.pkl", "is_dir": False, "file_size": 7}]
        file = _get(
            artifact_mode_server,
            f"{AJAX}/logged-models/{model.model_id}/artifacts/files",
            artifact_file_path="data/model.pkl",
        )
        assert file.status_code == 200, file.text
        assert file.content == b"\x80pickle"
        _invalid_path(
            _get(
                artifact_mode_server,
                f"{AJAX}/logged-models/{model.model_id}/artifacts/files",
                artifact_file_path="../../x",
            )
        )
