"""The real ``mlflow`` client against a Bosun server with authentication on (SQLite).

Starts its own server (``bosun server --auth`` with the first administrator from BOSUN_ADMIN_USERNAME/PASSWORD),
then signs in by password (MLFLOW_TRACKING_USERNAME/PASSWORD), by API token (MLFLOW_TRACKING_TOKEN, made with
``bosun users token create``) and not at all (refused with 401).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from auth_server import CREDENTIAL_VARS, AuthServer
from conftest import PATIENCE_S

ADMIN = "compat-admin"
ADMIN_PASSWORD = "Compat-Admin-Pass-2024!"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory):
    server = AuthServer(tmp_path_factory.mktemp("bosun-auth"), ADMIN, ADMIN_PASSWORD)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert ADMIN_PASSWORD not in server.log_path.read_text(errors="replace"), "the password reached the server log"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, auth_server: AuthServer) -> AuthServer:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    mlflow.set_tracking_uri(auth_server.url)
    yield auth_server
    mlflow.set_tracking_uri(None)


def _log_and_search(url: str, tmp_path: Path) -> None:
    experiment = f"auth-{uuid.uuid4().hex[:8]}"
    mlflow.set_experiment(experiment)
    artifact = tmp_path / "notes.txt"
    artifact.write_text("hello from an authenticated client")
    with mlflow.start_run() as run:
        mlflow.log_params({"lr": "0.1", "layers": "3"})
        mlflow.log_metric("loss", 0.5, step=1)
        mlflow.log_metric("loss", 0.25, step=2)
        mlflow.log_artifact(str(artifact))
    client = MlflowClient(url)
    found = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], "params.lr = '0.1'")
    assert [r.info.run_id for r in found] == [run.info.run_id]
    assert found[0].data.metrics["loss"] == 0.25
    assert [m.value for m in client.get_metric_history(run.info.run_id, "loss")] == [0.5, 0.25]
    downloaded = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="notes.txt", dst_path=str(tmp_path / "dl"))
    assert Path(downloaded).read_text() == "hello from an authenticated client"


def test_password_sign_in(no_credentials: AuthServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD)
    _log_and_search(no_credentials.url, tmp_path)


def test_token_sign_in(no_credentials: AuthServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", no_credentials.create_token("compat"))
    _log_and_search(no_credentials.url, tmp_path)


def test_refused_without_or_with_wrong_credentials(no_credentials: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    client = MlflowClient(no_credentials.url)
    with pytest.raises(MlflowException) as missing:
        client.search_experiments()
    assert "401" in str(missing.value) or "UNAUTHENTICATED" in str(missing.value)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "bsn_" + "A" * 43)
    with pytest.raises(MlflowException) as wrong:
        client.search_experiments()
    assert "401" in str(wrong.value) or "UNAUTHENTICATED" in str(wrong.value)
    # The public routes answer without credentials.
    assert requests.get(f"{no_credentials.url}/health", timeout=PATIENCE_S).text == "OK"
