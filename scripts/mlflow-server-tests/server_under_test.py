"""pytest plugin: runs MLflow's own server tests against a server of our choice.

MLflow's ``tests/tracking/test_rest_tracking.py`` and ``tests/tracking/test_model_registry.py`` get their server
from module fixtures (``mlflow_client``, ``mlflow_client_with_secrets``, ``client``) that start MLflow's FastAPI
app in the test process. A module fixture cannot be overridden from outside the module, so this plugin answers
``pytest_fixture_setup`` for those three fixtures instead and hands the test an ``MlflowClient`` pointed at

* ``bosun``: a fresh ``node dist/cli/main.js server`` per test, on its own SQLite file, with
  ``--no-serve-artifacts --default-artifact-root <the test's tmp_path as file://>`` (what MLflow's fixture sets
  up: a file:// artifact root that clients write to directly);
* ``mlflow``: a fresh ``mlflow server`` per test (one worker, no job runner) with the same flags, on a copy of
  the migrated SQLite database MLflow's conftest caches (``db_uri``): the reference;
* ``mlflow-fixture``: nothing is replaced; MLflow's own in-process fixtures run as written.

In every mode the FileStore variants (``[file]`` ids) are deselected: Bosun has no file store and MLflow 3
deprecates it, so only the SQL variants are compared. ``--results-json PATH`` writes one record per test:
outcome, whether the test talked to the server under test, and the first lines of the failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# A copy of the built server (dist/, package.json, node_modules) can be tested instead of the working tree's, so
# that a rebuild during a long run does not change the server half-way: MLFLOW_SERVER_TESTS_BOSUN_ROOT.
BOSUN_ROOT = Path(os.environ.get("MLFLOW_SERVER_TESTS_BOSUN_ROOT") or REPO_ROOT).resolve()
BOSUN_ENTRY = BOSUN_ROOT / "dist" / "cli" / "main.js"
SERVER_FIXTURES = ("mlflow_client", "mlflow_client_with_secrets", "client")
TARGETS = ("bosun", "mlflow", "mlflow-fixture")
# MLflow's fixtures set this passphrase (the secrets store needs one); the reference server gets it too.
KEK_PASSPHRASE = "test-passphrase-at-least-32-characters-long"
# A hung start-up is declared after this long; a busy machine only makes start-up slower.
STARTUP_CEILING_S = 600
FAILURE_LINES = 12
# Another MLflow release as the reference server (its interpreter), e.g. the one the compatibility suite pins;
# the tests keep running with the checkout's client. Its database is then created by that server itself.
REFERENCE_PYTHON = os.environ.get("MLFLOW_SERVER_TESTS_REFERENCE_PYTHON", "")

# A 5xx must fail a test at once rather than be retried with back-off for minutes (both targets alike).
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("server-under-test")
    group.addoption(
        "--server-under-test",
        choices=TARGETS,
        default=os.environ.get("MLFLOW_SERVER_UNDER_TEST", "bosun"),
        help="which server MLflow's server tests talk to (default: bosun)",
    )
    group.addoption("--results-json", default=None, help="write one JSON record per test to this file")


def _target(config: pytest.Config) -> str:
    return str(config.getoption("--server-under-test"))


_RESULTS: dict[str, dict[str, object]] = {}


def pytest_configure(config: pytest.Config) -> None:
    if _target(config) == "bosun" and not BOSUN_ENTRY.is_file():
        raise pytest.UsageError(f"{BOSUN_ENTRY} does not exist: run `npm run build` in {BOSUN_ROOT} first")


def pytest_report_header(config: pytest.Config) -> str:
    return f"server under test: {_target(config)}"


def _is_file_store_variant(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    return any(callspec.params.get(name) == "file" for name in ("store_type", "client"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected = [item for item in items if _is_file_store_variant(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not _is_file_store_variant(item)]
    if _target(config) == "mlflow-fixture":
        return
    # MLflow's CLI tests point the CLI at the server through MLFLOW_TRACKING_URI (`cli_env`), but the conftest's
    # autouse `tracking_uri_mock` sets the process's tracking URI to its own SQLite file first, which wins. In
    # MLflow's fixture the server uses that very file, so the test passes anyway; a separate server never sees
    # what the CLI did. Without the mock the CLI talks to the server under test, as the test means it to.
    for item in items:
        if "cli_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.notrackingurimock)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class ServerProcess:
    """One server process for one test: started on a free port, stopped (with its process group) at teardown.

    Both servers run in the test process's working directory, as MLflow's in-process server does: a relative
    artifact location (`experiments/create {artifact_location: "my_location"}`) resolves against it.
    """

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, log_path: Path, port: int) -> None:
        self.command = command
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        import requests

        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_CEILING_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with code {self.process.returncode} during start-up:\n"
                    f"{' '.join(self.command)}\n{_tail(self.log_path)}"
                )
            try:
                if requests.get(f"{self.url}/health", timeout=10).status_code == 200:
                    return self.url
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer /health within {STARTUP_CEILING_S}s:\n{_tail(self.log_path)}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _bosun_server(artifact_root_uri: str, workdir: Path) -> ServerProcess:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "BOSUN_"))}
    env["BOSUN_DATA_DIR"] = str(workdir / "data")
    command = [
        "node",
        str(BOSUN_ENTRY),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{workdir / 'bosun.db'}",
        "--default-artifact-root",
        artifact_root_uri,
        "--no-serve-artifacts",
    ]
    return ServerProcess(command, env, Path.cwd(), workdir / "server.log", port)


def _mlflow_server(artifact_root_uri: str, workdir: Path, db_uri: str) -> ServerProcess:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    env["MLFLOW_CRYPTO_KEK_PASSPHRASE"] = KEK_PASSPHRASE
    command = [
        REFERENCE_PYTHON or sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        db_uri,
        "--default-artifact-root",
        artifact_root_uri,
        "--no-serve-artifacts",
    ]
    return ServerProcess(command, env, Path.cwd(), workdir / "server.log", port)


def _fresh_sqlite_copy(request: pytest.FixtureRequest, workdir: Path) -> str:
    """A copy of the migrated database MLflow's conftest caches, so the reference server skips its migrations."""
    cached = Path(str(request.getfixturevalue("cached_db")))
    target = workdir / "mlflow.db"
    shutil.copy2(cached, target)
    return f"sqlite:///{target}"


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):  # type: ignore[type-arg]
    target = _target(request.config)
    if target == "mlflow-fixture" or fixturedef.argname not in SERVER_FIXTURES:
        return None
    from mlflow import MlflowClient

    # The fixture's own arguments (tmp_path, store_type, ...) are set up as usual.
    for argname in fixturedef.argnames:
        request.getfixturevalue(argname)
    if fixturedef.argname == "client" and getattr(request, "param", "sqlalchemy") == "file":
        pytest.skip("FileStore variants are not compared")
    tmp_path = Path(str(request.getfixturevalue("tmp_path")))
    artifact_root = tmp_path if fixturedef.argname == "mlflow_client" else tmp_path / "artifacts"
    workdir = Path(tempfile.mkdtemp(prefix=f"{target}-server-"))
    if target == "bosun":
        server = _bosun_server(artifact_root.as_uri(), workdir)
    else:
        db_uri = f"sqlite:///{workdir / 'mlflow.db'}" if REFERENCE_PYTHON else _fresh_sqlite_copy(request, workdir)
        server = _mlflow_server(artifact_root.as_uri(), workdir, db_uri)

    def stop() -> None:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    fixturedef.addfinalizer(stop)
    url = server.start()
    client = MlflowClient(url)
    if fixturedef.argname == "client":
        client._store_type = "sqlalchemy"
    request.node._server_log = server.log_path  # type: ignore[attr-defined]
    fixturedef.cached_result = (client, fixturedef.cache_key(request), None)
    return client


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record = _RESULTS.setdefault(report.nodeid, {"outcome": "not run", "uses_server": False, "failure": ""})
    if report.outcome == "skipped" and report.when in ("setup", "call"):
        if hasattr(report, "wasxfail"):
            record["outcome"] = "xfailed"
        else:
            record["outcome"] = "skipped"
            record["failure"] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    elif report.outcome == "passed" and report.when == "call":
        record["outcome"] = "xpassed" if hasattr(report, "wasxfail") else "passed"
    elif report.outcome == "failed":
        record["outcome"] = "failed" if report.when == "call" else f"error ({report.when})"
        text = report.longreprtext or ""
        error_lines = [line for line in text.splitlines() if line.startswith("E ")]
        record["failure"] = "\n".join((error_lines or text.splitlines())[:FAILURE_LINES])


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        _RESULTS.setdefault(
            item.nodeid,
            {
                "outcome": "not run",
                "uses_server": bool(set(SERVER_FIXTURES) & set(item.fixturenames)),
                "failure": "",
            },
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--results-json")
    if not path:
        return
    Path(path).write_text(json.dumps({"target": _target(session.config), "tests": _RESULTS}, indent=1))
