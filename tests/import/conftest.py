"""Fixtures of the import suite: a real MLflow server (the `mlflow` package of this Python environment), filled
through the `mlflow` client, and fresh Bosun servers (``node dist/cli/main.js server``, authentication on) to import
it into, on SQLite and PostgreSQL (BOSUN_IMPORT_BACKENDS, default "sqlite,postgres"; PostgreSQL needs
BOSUN_TEST_PG_URI). The suite runs dist/ as it is: run `npm run build` first.

Nothing here skips: a selected backend that cannot be set up is an error.
"""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
# A busy machine makes things slower, never wrong: waits poll for what they need, with this ceiling.
PATIENCE_S = 600
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(PATIENCE_S))
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
for _inherited in (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_ID",
    "MLFLOW_RUN_ID",
):
    os.environ.pop(_inherited, None)

import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402

from import_source_data import populate  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI_ENTRY = REPO_ROOT / "dist" / "cli" / "main.js"
ADMIN = "import-admin"
ADMIN_PASSWORD = "Import-Admin-Pass-2024!"
KNOWN_BACKENDS = ("sqlite", "postgres")


def selected_backends() -> list[str]:
    raw = os.environ.get("BOSUN_IMPORT_BACKENDS", "sqlite,postgres")
    return list(dict.fromkeys(p.strip().lower() for p in raw.split(",") if p.strip()))


def pytest_configure(config: pytest.Config) -> None:
    backends = selected_backends()
    if not backends or any(b not in KNOWN_BACKENDS for b in backends):
        raise pytest.UsageError(f"BOSUN_IMPORT_BACKENDS: expected a subset of {', '.join(KNOWN_BACKENDS)}")
    if "postgres" in backends and not os.environ.get("BOSUN_TEST_PG_URI"):
        raise pytest.UsageError("BOSUN_IMPORT_BACKENDS selects 'postgres' but BOSUN_TEST_PG_URI is unset")
    if not CLI_ENTRY.is_file():
        raise pytest.UsageError(f"{CLI_ENTRY} does not exist: run `npm run build` in {REPO_ROOT} first.")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> float:
    """Polls GET /health until it answers 200; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < PATIENCE_S:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} during start-up:\n{tail(log)}")
        try:
            if requests.get(f"{url}/health", timeout=10).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer /health within {PATIENCE_S}s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=60)


class MlflowSourceServer:
    """`mlflow server` on SQLite with a local artifact root; `expected` is what populate() logged."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "mlflow-server.log"
        self.startup_s = 0.0
        self.process: subprocess.Popen[bytes] | None = None
        self.expected: dict = {}

    @property
    def db_uri(self) -> str:
        """The server's database, as `bosun import --from-db` takes it."""
        return f"sqlite:///{self.workdir / 'mlflow.db'}"

    @property
    def artifact_root(self) -> Path:
        """The server's artifact folder (its --default-artifact-root)."""
        return self.workdir / "mlartifacts"

    def start(self) -> None:
        mlflow_cli = Path(sys.executable).parent / "mlflow"
        command = [
            str(mlflow_cli), "server",
            "--backend-store-uri", self.db_uri,
            "--default-artifact-root", str(self.artifact_root),
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
        ]  # fmt: skip
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        # MLflow's server takes ~15 s to answer on this kind of machine (more when busy): a generous wait.
        self.startup_s = wait_healthy(self.url, self.process, self.log, "mlflow server")


class BosunServer:
    """A fresh `bosun server` with authentication on and `ADMIN` as its administrator."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "bosun-server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._drop: str | None = None
        if backend == "sqlite":
            self.backend_uri = f"sqlite:///{workdir / 'bosun.db'}"
        else:
            admin_uri = os.environ["BOSUN_TEST_PG_URI"]
            name = f"bosun_import_{uuid.uuid4().hex[:12]}"
            subprocess.run(["psql", admin_uri, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"create database {name}"],
                           check=True, capture_output=True, timeout=PATIENCE_S)  # fmt: skip
            parts = urlsplit(admin_uri)
            self.backend_uri = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
            self._drop = name

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "BOSUN_TRACKING_"))}
        env.update({"BOSUN_ADMIN_USERNAME": ADMIN, "BOSUN_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "BOSUN_DATA_DIR": str(self.workdir / "data")})  # fmt: skip
        command = [
            "node", str(CLI_ENTRY), "server", "--host", "127.0.0.1", "--port", str(self.port),
            "--backend-store-uri", self.backend_uri, "--artifacts-destination", str(self.workdir / "artifacts"),
            "--auth",
        ]  # fmt: skip
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_healthy(self.url, self.process, self.log, "bosun server")

    def close(self) -> None:
        if self.process is not None:
            stop(self.process)
        if self._drop is not None:
            subprocess.run(["psql", os.environ["BOSUN_TEST_PG_URI"], "-q", "-c",
                            f"drop database if exists {self._drop} with (force)"],
                           capture_output=True, timeout=PATIENCE_S)  # fmt: skip


def import_command(
    source: MlflowSourceServer, target: BosunServer, *extra: str, from_db: bool = False
) -> tuple[list[str], dict[str, str]]:
    """The `bosun import` command line and environment (signed in as the target's administrator): from the MLflow
    server's REST API, or with `from_db` from its SQLite database and artifact folder directly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "BOSUN_TRACKING_"))}
    env.update({"BOSUN_TRACKING_USERNAME": ADMIN, "BOSUN_TRACKING_PASSWORD": ADMIN_PASSWORD})
    origin = ["--from", source.url]
    if from_db:
        origin = ["--from-db", source.db_uri, "--artifact-root", str(source.artifact_root)]
    command = ["node", str(CLI_ENTRY), "import", *origin, "--tracking-uri", target.url, *extra]
    return command, env


def run_import(
    source: MlflowSourceServer, target: BosunServer, *extra: str, from_db: bool = False
) -> subprocess.CompletedProcess[str]:
    """Runs `bosun import` to the end; a non-zero exit fails with its output."""
    command, env = import_command(source, target, *extra, from_db=from_db)
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE_S)
    if result.returncode != 0:
        raise AssertionError(f"bosun import exited with {result.returncode}:\n{result.stderr}\n{result.stdout}")
    return result


@pytest.fixture(scope="session")
def mlflow_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowSourceServer]:
    server = MlflowSourceServer(tmp_path_factory.mktemp("mlflow-source"))
    server.start()
    try:
        server.expected = populate(server.url, server.workdir)
        yield server
    finally:
        if server.process is not None:
            stop(server.process)


@pytest.fixture(params=selected_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def bosun_factory(backend: str, tmp_path: Path) -> Iterator:
    """Starts fresh Bosun servers on the test's backend; all are stopped (and their databases dropped) after."""
    started: list[BosunServer] = []

    def make() -> BosunServer:
        workdir = tmp_path / f"bosun-{len(started)}"
        workdir.mkdir()
        server = BosunServer(backend, workdir)
        started.append(server)
        server.start()
        return server

    yield make
    for server in started:
        server.close()
