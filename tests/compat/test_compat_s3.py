"""Artifacts in a bucket, through the real client (collected only with BOSUN_COMPAT_ARTIFACTS=s3, see conftest).

Both artifact modes run against the test S3 server: proxied (the server streams to `--artifacts-destination
s3://...`) and direct (`--no-serve-artifacts --default-artifact-root s3://...`: the client writes with boto3 and the
server reads the same bucket to scan). The rest of the suite runs in this mode too; these tests check what only a
bucket has: where the objects land, scanning a model stored there (clean and unsafe), loading it back, and MLflow's
multipart upload of a large file in parts straight to the bucket."""

from __future__ import annotations

import hashlib
import pickle
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import requests
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import mlflow
import mlflow.exceptions
import mlflow.sklearn

from conftest import CLIENT_AUTH, IS_MLFLOW_3, PATIENCE_S, BosunServer, read_stored, s3_client

SCAN_TAG = "bosun.scan.status"
PIP_REQUIREMENTS = ["scikit-learn", "numpy"]


@pytest.fixture
def mode_client(artifact_mode_server: BosunServer) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=artifact_mode_server.url)


def _keys(prefix_uri: str) -> list[str]:
    parts = urlsplit(prefix_uri)
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=parts.netloc, Prefix=parts.path.lstrip("/"))
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_proxied_artifacts_are_objects_under_the_servers_prefix(bosun_server, client, tmp_path):
    experiment_id = client.create_experiment(f"s3-proxied-{uuid.uuid4().hex[:10]}")
    run = client.create_run(experiment_id)
    client.log_text(run.info.run_id, "in the bucket", "notes/a.txt")
    assert run.info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/{run.info.run_id}/artifacts"
    prefix = bosun_server.artifacts_destination
    assert prefix.startswith(f"s3://{bosun_server.bucket}/proxied-")
    key = f"{urlsplit(prefix).path.lstrip('/')}/{experiment_id}/{run.info.run_id}/artifacts/notes/a.txt"
    assert key in _keys(prefix)
    assert read_stored(f"{prefix}/{experiment_id}/{run.info.run_id}/artifacts/notes/a.txt") == b"in the bucket"
    assert Path(client.download_artifacts(run.info.run_id, "notes/a.txt", str(tmp_path))).read_text() == "in the bucket"


def test_direct_mode_client_writes_to_the_bucket_itself(file_root_server, tmp_path):
    client = mlflow.MlflowClient(tracking_uri=file_root_server.url)
    assert file_root_server.artifact_mode == "s3-direct"
    experiment_id = client.create_experiment(f"s3-direct-{uuid.uuid4().hex[:10]}")
    run = client.create_run(experiment_id)
    assert run.info.artifact_uri.startswith(f"{file_root_server.default_artifact_root}/{experiment_id}/")
    client.log_text(run.info.run_id, "written by boto3", "notes/b.txt")
    assert read_stored(f"{run.info.artifact_uri}/notes/b.txt") == b"written by boto3"
    # The server lists and serves what the client wrote (it reads the same bucket).
    assert [f.path for f in client.list_artifacts(run.info.run_id, "notes")] == ["notes/b.txt"]


def _log_sklearn(name: str):
    X, y = make_classification(n_samples=80, n_features=4, n_informative=3, n_redundant=0, random_state=5)
    model = LogisticRegression(max_iter=200).fit(X, y)
    with mlflow.start_run():
        if IS_MLFLOW_3:
            mlflow.sklearn.log_model(model, name="model", pip_requirements=PIP_REQUIREMENTS, registered_model_name=name)
        else:
            mlflow.sklearn.log_model(
                model, artifact_path="model", pip_requirements=PIP_REQUIREMENTS, registered_model_name=name
            )
    return model, X


def test_model_in_the_bucket_is_registered_scanned_clean_and_loaded_back(artifact_mode_server, mode_client):
    # The fixture points the process's client (mlflow.*) at this mode's server for the test.
    mlflow.set_experiment(f"s3-model-{artifact_mode_server.artifact_mode}-{uuid.uuid4().hex[:8]}")
    name = f"s3-clean-{uuid.uuid4().hex[:10]}"
    model, X = _log_sklearn(name)
    version = mode_client.get_model_version(name, "1")
    assert version.tags.get(SCAN_TAG) == "clean", version.tags
    loaded = mlflow.sklearn.load_model(f"models:/{name}/1")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    pyfunc = mlflow.pyfunc.load_model(f"models:/{name}/1")
    assert np.array_equal(np.asarray(pyfunc.predict(X)), model.predict(X))


class _Payload:
    """Pickles as a call to os.system: what a tampered model file holds. Only written here, never unpickled."""

    def __reduce__(self):
        import os

        return (os.system, ("echo owned",))


def test_model_in_the_bucket_with_a_dangerous_pickle_is_scanned_unsafe(artifact_mode_server, mode_client, tmp_path):
    experiment_id = mode_client.create_experiment(f"s3-unsafe-{uuid.uuid4().hex[:10]}")
    run = mode_client.create_run(experiment_id)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "MLmodel").write_text(
        "flavors:\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n"
    )
    (model_dir / "model.pkl").write_bytes(pickle.dumps(_Payload()))
    mode_client.log_artifacts(run.info.run_id, str(model_dir), "model")
    name = f"s3-unsafe-{uuid.uuid4().hex[:10]}"
    mode_client.create_registered_model(name)
    version = mode_client.create_model_version(name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    assert mode_client.get_model_version(name, version.version).tags.get(SCAN_TAG) == "unsafe"


def test_multipart_upload_of_a_file_over_100_mb(bosun_server, client, tmp_path, monkeypatch):
    # MLflow's client sends files at or above the minimum in parts, by presigned URLs, straight to the bucket.
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(100 * 1024 * 1024))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(16 * 1024 * 1024))
    size = 110 * 1024 * 1024
    big = tmp_path / "weights.bin"
    digest = hashlib.sha256()
    with big.open("wb") as out:
        block = np.random.default_rng(7).bytes(1024 * 1024)
        for i in range(size // len(block)):
            chunk = block[:-8] + i.to_bytes(8, "big")  # every MiB differs
            out.write(chunk)
            digest.update(chunk)
    experiment_id = client.create_experiment(f"s3-mpu-{uuid.uuid4().hex[:10]}")
    run = client.create_run(experiment_id)
    client.log_artifact(run.info.run_id, str(big), "model")

    prefix = bosun_server.artifacts_destination
    key = f"{urlsplit(prefix).path.lstrip('/')}/{experiment_id}/{run.info.run_id}/artifacts/model/weights.bin"
    head = s3_client().head_object(Bucket=bosun_server.bucket, Key=key)
    assert head["ContentLength"] == size
    # A multipart object's ETag is "<md5 of the part md5s>-<parts>": 110 MiB in 16 MiB parts is 7 parts.
    assert head["ETag"].strip('"').endswith("-7"), head["ETag"]
    [listed] = client.list_artifacts(run.info.run_id, "model")
    assert (listed.path, listed.file_size) == ("model/weights.bin", size)
    (tmp_path / "back").mkdir()
    back = Path(client.download_artifacts(run.info.run_id, "model/weights.bin", str(tmp_path / "back")))
    got = hashlib.sha256()
    with back.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            got.update(chunk)
    assert got.hexdigest() == digest.hexdigest()


def test_a_version_in_the_bucket_is_served_only_inside_its_runs_folder(file_root_server, tmp_path):
    client = mlflow.MlflowClient(tracking_uri=file_root_server.url)
    experiment_id = client.create_experiment(f"s3-version-files-{uuid.uuid4().hex[:10]}")
    mine, other = client.create_run(experiment_id), client.create_run(experiment_id)
    client.log_text(mine.info.run_id, "flavors: {}\n", "model/MLmodel")
    client.log_text(other.info.run_id, "someone else's\n", "model/MLmodel")
    name = f"s3-version-files-{uuid.uuid4().hex[:10]}"
    client.create_registered_model(name)
    own = client.create_model_version(name, f"{mine.info.artifact_uri}/model", run_id=mine.info.run_id)
    url = f"{file_root_server.url}/model-versions/get-artifact"
    got = requests.get(url, params={"name": name, "version": own.version, "path": "MLmodel"}, timeout=PATIENCE_S,
                       auth=CLIENT_AUTH)  # fmt: skip
    assert (got.status_code, got.content) == (200, b"flavors: {}\n")
    # A version whose files lie in another run's folder than the run it names: registered or not, never served.
    try:
        stray = client.create_model_version(name, f"{other.info.artifact_uri}/model", run_id=mine.info.run_id)
    except mlflow.exceptions.MlflowException as refused:
        assert refused.error_code == "INVALID_PARAMETER_VALUE"
        return
    got = requests.get(url, params={"name": name, "version": stray.version, "path": "MLmodel"}, timeout=PATIENCE_S,
                       auth=CLIENT_AUTH)  # fmt: skip
    assert got.status_code == 400, got.text
    assert b"someone else" not in got.content
