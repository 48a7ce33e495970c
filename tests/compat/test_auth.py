"""The real ``mlflow`` client against a Bosun server with authentication on (SQLite).

Starts its own server (``bosun server --auth`` with the first administrator from BOSUN_ADMIN_USERNAME/PASSWORD),
then signs in by password (MLFLOW_TRACKING_USERNAME/PASSWORD), by API token (MLFLOW_TRACKING_TOKEN, made with
``bosun users token create``) and not at all (refused with 401).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from conftest import REPO_ROOT, SERVER_ENTRY, _free_port, _tail

ADMIN = "compat-admin"
ADMIN_PASSWORD = "Compat-Admin-Pass-2024!"
CREDENTIAL_VARS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")


class AuthServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db_uri = f"sqlite:///{workdir / 'bosun.db'}"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
        env.update(BOSUN_ADMIN_USERNAME=ADMIN, BOSUN_ADMIN_PASSWORD=ADMIN_PASSWORD, BOSUN_DATA_DIR=str(self.workdir))
        command = [
            "node", str(SERVER_ENTRY), "server", "--auth", "--host", "127.0.0.1", "--port", str(self.port),
            "--backend-store-uri", self.db_uri, "--artifacts-destination", str(self.workdir / "artifacts"),
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bosun server --auth exited during start-up:\n{_tail(self.log_path)}")
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"bosun server --auth did not start:\n{_tail(self.log_path)}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def create_token(self, name: str) -> str:
        result = subprocess.run(
            ["node", str(SERVER_ENTRY), "users", "token", "create", "--username", ADMIN, "--name", name,
             "--backend-store-uri", self.db_uri],  # fmt: skip
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory):
    server = AuthServer(tmp_path_factory.mktemp("bosun-auth"))
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
    assert requests.get(f"{no_credentials.url}/health", timeout=5).text == "OK"
