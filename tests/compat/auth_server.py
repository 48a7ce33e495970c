"""A `bosun server --auth` of its own (SQLite, first administrator from BOSUN_ADMIN_USERNAME/PASSWORD), for the
files that test signing in and user management apart from the session's server (test_auth.py,
test_auth_client.py). The session's MLFLOW_TRACKING_* credentials are kept out of its environment."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import requests

from conftest import PATIENCE_S, REPO_ROOT, SERVER_ENTRY, _free_port, _tail

CREDENTIAL_VARS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")


class AuthServer:
    def __init__(self, workdir: Path, admin: str, admin_password: str) -> None:
        self.workdir = workdir
        self.admin = admin
        self.admin_password = admin_password
        self.db_uri = f"sqlite:///{workdir / 'bosun.db'}"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
        env.update(
            BOSUN_ADMIN_USERNAME=self.admin, BOSUN_ADMIN_PASSWORD=self.admin_password, BOSUN_DATA_DIR=str(self.workdir)
        )
        command = [
            "node", str(SERVER_ENTRY), "server", "--auth", "--host", "127.0.0.1", "--port", str(self.port),
            "--backend-store-uri", self.db_uri, "--artifacts-destination", str(self.workdir / "artifacts"),
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bosun server --auth exited during start-up:\n{_tail(self.log_path)}")
            try:
                if requests.get(f"{self.url}/health", timeout=10).status_code == 200:  # retried
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"bosun server --auth did not answer GET /health with 200 within {PATIENCE_S}s, the ceiling for a hung "
            f"start-up:\n{_tail(self.log_path)}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=PATIENCE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=PATIENCE_S)

    def create_token(self, name: str, username: str | None = None) -> str:
        """An API token made with `bosun users token create` (for the administrator by default)."""
        result = subprocess.run(
            ["node", str(SERVER_ENTRY), "users", "token", "create", "--username", username or self.admin,
             "--name", name, "--backend-store-uri", self.db_uri],  # fmt: skip
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=PATIENCE_S,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()
