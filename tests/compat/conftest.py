"""Fixtures of the MLflow compatibility suite.

Each selected backend (BOSUN_COMPAT_BACKENDS, default "sqlite,postgres") is one param of the
session-scoped ``bosun_server`` fixture: it starts ``node dist/cli/main.js server`` on a free port
against a fresh database, points the real ``mlflow`` client at it and stops it at the end.
The suite never skips: a selected backend that cannot be set up is an error.

A second session fixture, ``bosun_server_file_root``, starts the same server for a backend in the other artifact
mode: ``--no-serve-artifacts --default-artifact-root file://<tmp>/mlruns`` (clients write artifacts to that folder
themselves, the way ``mlflow server --no-serve-artifacts`` is used). It starts only when a test asks for it and never
touches the session's environment: use ``file_root_server`` (a test's client, tracking URI and credentials point at
it for that test only) or ``artifact_mode_server`` (parametrized over both modes: ids ``[sqlite-proxied]``,
``[sqlite-file-root]``...). Both server fixtures depend on ``backend``, the one parametrized fixture, so a test that
uses both gets each backend once.

BOSUN_COMPAT_AUTH selects how the client signs in:
  off (default)  the server runs without authentication;
  password       the server runs with ``--auth``; the conftest creates the non-admin user ``compat-user`` with
                 the CLI, grants it MANAGE on the Default experiment (id 0) and the whole session signs in with
                 MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD;
  token          the same, but the session signs in with an API token of ``compat-user`` (MLFLOW_TRACKING_TOKEN).
Tests that call the REST API with ``requests`` pass ``auth=CLIENT_AUTH`` so they send the same credentials.

BOSUN_COMPAT_ARTIFACTS selects where artifacts are stored:
  local (default)  the proxied server's destination is a folder, the other mode's root is ``file://<tmp>/mlruns``;
  s3               both live in a bucket of the S3 server named by BOSUN_TEST_S3_ENDPOINT (``npm test`` starts Ceph's
                   radosgw): the proxied server runs with ``--artifacts-destination s3://<bucket>/proxied-...``, the
                   other with ``--no-serve-artifacts --default-artifact-root s3://<bucket>/direct-...``, where the
                   client writes with its own S3 support (boto3) as MLflow users do. The conftest creates the bucket
                   and sets MLFLOW_S3_ENDPOINT_URL and the AWS_* keys for the server and the client. Tests that only
                   apply to a bucket (test_compat_s3.py) are collected in this mode only.
"""

from __future__ import annotations

import os

# The client reads these when it is imported or makes its first request: set them before `import mlflow`.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
# A 5xx must fail the test at once instead of being retried with back-off for minutes.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
# A busy machine makes things slower, never wrong: waits are for what they need (an answer, a server answering
# /health, a child process), and PATIENCE_S (10 minutes) is only the ceiling after which one is declared a hang.
PATIENCE_S = 600
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(PATIENCE_S))
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
for _inherited in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID"):
    os.environ.pop(_inherited, None)

import signal  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402
from urllib.request import url2pathname  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
from requests.auth import AuthBase, HTTPBasicAuth, _basic_auth_str  # noqa: E402

import mlflow  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Tests that only apply to artifacts in a bucket (test_compat_s3.py) are collected with BOSUN_COMPAT_ARTIFACTS=s3
    only (not skipped: in the local mode they do not exist)."""
    if ARTIFACT_STORE != "s3" and collection_path.name == "test_compat_s3.py":
        return True
    return None

SERVER_ENTRY = REPO_ROOT / "dist" / "cli" / "main.js"
KNOWN_BACKENDS = ("sqlite", "postgres")
AUTH_MODES = ("off", "password", "token")
AUTH_MODE = os.environ.get("BOSUN_COMPAT_AUTH", "off").strip().lower() or "off"
# The first administrator (only used to start the server) and the non-admin user the whole session signs in as.
COMPAT_ADMIN = "compat-admin"
COMPAT_ADMIN_PASSWORD = "Compat-Admin-Pass-2024!"
COMPAT_USER = "compat-user"
COMPAT_USER_PASSWORD = "Compat-User-Pass-2024!"
# Further non-admin users some tests act as (made on first use, see BosunServer.as_user).
OTHER_USER_PASSWORD = "Compat-Other-Pass-2024!"
CREDENTIAL_VARS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
ARTIFACT_STORES = ("local", "s3")
ARTIFACT_STORE = os.environ.get("BOSUN_COMPAT_ARTIFACTS", "local").strip().lower() or "local"
if ARTIFACT_STORE not in ARTIFACT_STORES:
    raise pytest.UsageError(
        f"BOSUN_COMPAT_ARTIFACTS={ARTIFACT_STORE!r}: expected one of {', '.join(ARTIFACT_STORES)}"
    )
if ARTIFACT_STORE == "s3":
    if not os.environ.get("BOSUN_TEST_S3_ENDPOINT"):
        raise pytest.UsageError(
            "BOSUN_COMPAT_ARTIFACTS=s3 needs the S3 server: run `npm test`, or start one with "
            "scripts/s3-test-server.sh and export BOSUN_TEST_S3_ENDPOINT. The suite does not skip a selected mode."
        )
    # What the server and the client read, as MLflow users set them (docs/server.md, "Artifacts in S3").
    os.environ["MLFLOW_S3_ENDPOINT_URL"] = os.environ["BOSUN_TEST_S3_ENDPOINT"]
    os.environ["AWS_ACCESS_KEY_ID"] = os.environ.get("BOSUN_TEST_S3_ACCESS_KEY_ID", "BOSUNTESTACCESSKEY")
    os.environ["AWS_SECRET_ACCESS_KEY"] = os.environ.get("BOSUN_TEST_S3_SECRET_ACCESS_KEY", "BOSUNTESTSECRETKEY")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
STARTUP_TIMEOUT_S = PATIENCE_S
LOG_TAIL_LINES = 60


# Debugging aid: run the suite against an already running server (e.g. a reference `mlflow server`, to check a
# test's expectations) instead of starting Bosun. The only backend is then "external".
EXTERNAL_URL = os.environ.get("BOSUN_COMPAT_EXTERNAL_URL", "").rstrip("/")


def selected_backends() -> list[str]:
    if EXTERNAL_URL:
        return ["external"]
    raw = os.environ.get("BOSUN_COMPAT_BACKENDS", "sqlite,postgres")
    return list(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))


def pytest_configure(config: pytest.Config) -> None:
    if AUTH_MODE not in AUTH_MODES:
        raise pytest.UsageError(
            f"BOSUN_COMPAT_AUTH={os.environ.get('BOSUN_COMPAT_AUTH')!r}: expected one of {', '.join(AUTH_MODES)}"
        )
    if EXTERNAL_URL:
        return
    backends = selected_backends()
    unknown = [name for name in backends if name not in KNOWN_BACKENDS]
    if unknown or not backends:
        raise pytest.UsageError(
            f"BOSUN_COMPAT_BACKENDS={os.environ.get('BOSUN_COMPAT_BACKENDS')!r}: expected a comma-separated "
            f"subset of {', '.join(KNOWN_BACKENDS)}"
        )
    if "postgres" in backends and not os.environ.get("BOSUN_TEST_PG_URI"):
        raise pytest.UsageError(
            "BOSUN_COMPAT_BACKENDS selects 'postgres' but BOSUN_TEST_PG_URI is unset. Set it to the superuser URI "
            "of a running PostgreSQL (e.g. `scripts/pg-test-cluster.sh start /tmp/pg 54329` prints one), or run "
            "with BOSUN_COMPAT_BACKENDS=sqlite. The compatibility suite does not skip a selected backend."
        )
    if not SERVER_ENTRY.is_file():
        raise pytest.UsageError(f"{SERVER_ENTRY} does not exist: run `npm run build` in {REPO_ROOT} first.")


def client_major() -> int:
    return int(mlflow.__version__.split(".")[0])


IS_MLFLOW_3 = client_major() >= 3

# Logged models are a 3.x client API: for 2.x clients these tests do not exist (rather than being skipped).
collect_ignore = [] if IS_MLFLOW_3 else ["test_logged_models.py"]


# --------------------------------------------------------------------------------------------------------------
# PostgreSQL: one fresh database per server, created and dropped with psql.


def _psql(superuser_uri: str, sql: str) -> None:
    result = subprocess.run(
        ["psql", superuser_uri, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({sql}): {result.stderr.strip() or result.stdout.strip()}")


def _with_database(uri: str, database: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


# --------------------------------------------------------------------------------------------------------------
# The server process.


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def run_cli(*args: str, env: dict[str, str] | None = None) -> str:
    """Runs `node dist/cli/main.js <args>` and returns its stdout; a non-zero exit fails with its stderr."""
    full_env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
    full_env.update(env or {})
    result = subprocess.run(
        ["node", str(SERVER_ENTRY), *args], cwd=REPO_ROOT, env=full_env, capture_output=True, text=True,
        timeout=PATIENCE_S,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"`bosun {' '.join(args)}` exited with {result.returncode}:\n{result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout


class _SessionCredentials(AuthBase):
    """Signs a `requests` call in the way the mlflow client signs its own: MLFLOW_TRACKING_TOKEN (Bearer), else
    MLFLOW_TRACKING_USERNAME/PASSWORD (Basic), else nothing. Read at call time, so it follows the session."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        username = os.environ.get("MLFLOW_TRACKING_USERNAME")
        password = os.environ.get("MLFLOW_TRACKING_PASSWORD")
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        elif username and password:
            request.headers["Authorization"] = _basic_auth_str(username, password)
        return request


# Pass as `auth=CLIENT_AUTH` to every direct `requests` call to the server.
CLIENT_AUTH = _SessionCredentials()


class BosunServer:
    """A running `bosun server`; `url` is what MLFLOW_TRACKING_URI points at."""

    def __init__(
        self,
        backend: str,
        backend_uri: str,
        workdir: Path,
        auth_mode: str = "off",
        file_root: bool = False,
        bucket: str | None = None,
    ) -> None:
        self.backend = backend
        self.auth_mode = auth_mode
        self.backend_uri = backend_uri
        self.workdir = workdir
        self.artifacts_dir = workdir / "artifacts"
        # In a bucket (BOSUN_COMPAT_ARTIFACTS=s3), each server keeps its artifacts under a prefix of its own.
        self.bucket = bucket
        prefix = f"s3://{bucket}/{'direct' if file_root else 'proxied'}-{workdir.name}" if bucket else None
        # Where the proxied server stores what it serves: a folder, or a prefix of the bucket.
        self.artifacts_destination = prefix if prefix and not file_root else str(self.artifacts_dir)
        # With `file_root`, the server runs with --no-serve-artifacts and clients write to its default artifact root
        # themselves: a file:// folder, or with a bucket, an s3:// prefix ("s3-direct").
        self.file_root = file_root
        self.artifact_mode = ("s3-direct" if bucket else "file-root") if file_root else "proxied"
        if file_root:
            self.default_artifact_root = prefix or (workdir / "mlruns").as_uri()
        else:
            self.default_artifact_root = "mlflow-artifacts:/"
        # The MLFLOW_TRACKING_* variables the client signs in with (set by the fixture that starts the server).
        self.credentials: dict[str, str] = {}
        self.log_path = workdir / "server.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._other_users: set[str] = set()

    def start(self) -> None:
        if EXTERNAL_URL:
            self.url = EXTERNAL_URL
            if not self._healthy():
                raise RuntimeError(f"BOSUN_COMPAT_EXTERNAL_URL={EXTERNAL_URL}: GET /health does not answer OK")
            return
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
        if os.environ.get("BOSUN_COMPAT_SERVER_LOG_LEVEL"):  # "debug" logs every request line
            env["BOSUN_LOG_LEVEL"] = os.environ["BOSUN_COMPAT_SERVER_LOG_LEVEL"]
        env["BOSUN_DATA_DIR"] = str(self.workdir / "data")
        command = [
            "node",
            str(SERVER_ENTRY),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--backend-store-uri",
            self.backend_uri,
            "--artifacts-destination",
            self.artifacts_destination,
        ]
        if self.file_root:
            command += ["--no-serve-artifacts", "--default-artifact-root", self.default_artifact_root]
        if self.auth_mode != "off":
            command.append("--auth")
            env["BOSUN_ADMIN_USERNAME"] = COMPAT_ADMIN
            env["BOSUN_ADMIN_PASSWORD"] = COMPAT_ADMIN_PASSWORD
        log = open(self.log_path, "wb")  # noqa: SIM115 - owned by the child for its lifetime
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"bosun server ({self.backend}) exited with code {self.process.returncode} during start-up:\n"
                    f"{' '.join(command)}\n{_tail(self.log_path)}"
                )
            # The server prints "Bosun listening on ..." when ready; /health is the check that counts.
            if self._healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"bosun server ({self.backend}) did not answer GET /health with 200 OK within {STARTUP_TIMEOUT_S}s, the "
            f"ceiling for a hung start-up:\n"
            f"{_tail(self.log_path)}"
        )

    def _healthy(self) -> bool:
        try:
            response = requests.get(f"{self.url}/health", timeout=10)  # retried until STARTUP_TIMEOUT_S
        except requests.RequestException:
            return False
        return response.status_code == 200 and response.text.strip() == "OK"

    def client_credentials(self) -> dict[str, str]:
        """Creates the non-admin `compat-user` with the CLI (plus, in token mode, an API token for it), grants it
        MANAGE on the Default experiment, which it did not create, and returns the MLFLOW_TRACKING_* variables the
        client signs in with."""
        db = ("--backend-store-uri", self.backend_uri)
        run_cli("users", "create", "--username", COMPAT_USER, *db, env={"BOSUN_USER_PASSWORD": COMPAT_USER_PASSWORD})
        run_cli("permissions", "grant", "--user", COMPAT_USER, "--experiment", "0", "--permission", "MANAGE", *db)
        if self.auth_mode == "password":
            return {"MLFLOW_TRACKING_USERNAME": COMPAT_USER, "MLFLOW_TRACKING_PASSWORD": COMPAT_USER_PASSWORD}
        token = run_cli("users", "token", "create", "--username", COMPAT_USER, "--name", "compat-suite", *db).strip()
        assert token and "\n" not in token, f"unexpected output of `users token create`: {token!r}"
        return {"MLFLOW_TRACKING_TOKEN": token}

    def as_user(self, username: str) -> AuthBase | None:
        """`requests` credentials of another person. Without authentication: None (the test names the person in
        the request, as an assertion). With it: HTTP Basic as the non-admin user `username`, created on first use."""
        if self.auth_mode == "off":
            return None
        if username not in self._other_users:
            run_cli("users", "create", "--username", username, "--backend-store-uri", self.backend_uri,
                    env={"BOSUN_USER_PASSWORD": OTHER_USER_PASSWORD})  # fmt: skip
            self._other_users.add(username)
        return HTTPBasicAuth(username, OTHER_USER_PASSWORD)

    def grant(self, username: str, permission: str, *, model: str | None = None, experiment: str | None = None) -> None:
        """With authentication on: gives the user `username` (see `as_user`) a permission on a registered model or
        an experiment, with `bosun permissions grant`. Without: nothing to do."""
        if self.auth_mode == "off":
            return
        self.as_user(username)
        target = ("--model", model) if model is not None else ("--experiment", str(experiment))
        run_cli("permissions", "grant", "--user", username, *target, "--permission", permission,
                "--backend-store-uri", self.backend_uri)  # fmt: skip

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=PATIENCE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=PATIENCE_S)

    def log_tail(self) -> str:
        return _tail(self.log_path)


_running_servers: list[BosunServer] = []


@pytest.fixture(scope="session", params=selected_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of this part of the session: "sqlite", "postgres" (or "external"); test ids end in it."""
    return request.param


@contextmanager
def _backend_database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh database for one server: a SQLite file in `workdir`, or a PostgreSQL database dropped afterwards."""
    if backend == "external":
        yield ""
        return
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bosun.db'}"
        return
    superuser_uri = os.environ.get("BOSUN_TEST_PG_URI", "")
    database = f"bosun_compat_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _psql(superuser_uri, f'CREATE DATABASE "{database}"')
    try:
        yield _with_database(superuser_uri, database)
    finally:
        _psql(superuser_uri, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def _running(server: BosunServer) -> Iterator[BosunServer]:
    """Starts `server` (and, with authentication on, its compat-user), stops it afterwards."""
    try:
        server.start()
        _running_servers.append(server)
        if server.auth_mode != "off":
            server.credentials = server.client_credentials()
        yield server
    finally:
        server.stop()
        if server in _running_servers:
            _running_servers.remove(server)


@contextmanager
def _client_points_at(server: BosunServer) -> Iterator[None]:
    """MLFLOW_TRACKING_URI and the client's credentials name `server` inside the block; restored afterwards."""
    previous = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", *CREDENTIAL_VARS)}
    previous_uri = mlflow.get_tracking_uri() if previous["MLFLOW_TRACKING_URI"] else None
    try:
        if server.backend != "external":  # an external server is signed in to with whatever the caller set
            for name in CREDENTIAL_VARS:
                os.environ.pop(name, None)
        os.environ.update(server.credentials)
        os.environ["MLFLOW_TRACKING_URI"] = server.url
        mlflow.set_tracking_uri(server.url)
        yield
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if previous_uri is not None:
            mlflow.set_tracking_uri(previous_uri)


def s3_client():
    """A boto3 client of the test S3 server (BOSUN_COMPAT_ARTIFACTS=s3 only)."""
    import boto3  # only in the S3 mode: the local mode needs no boto3

    return boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"])


def read_stored(uri: str) -> bytes:
    """The bytes of a stored artifact named by a `file://` or `s3://` URI (or a plain path), read without Bosun."""
    if uri.startswith("s3://"):
        parts = urlsplit(uri)
        return s3_client().get_object(Bucket=parts.netloc, Key=parts.path.lstrip("/"))["Body"].read()
    path = url2pathname(urlsplit(uri).path) if uri.startswith("file:") else uri
    return Path(path).read_bytes()


@pytest.fixture(scope="session")
def artifact_bucket() -> Iterator[str | None]:
    """The session's bucket with BOSUN_COMPAT_ARTIFACTS=s3 (emptied and removed afterwards), else None."""
    if ARTIFACT_STORE != "s3":
        yield None
        return
    client = s3_client()
    bucket = f"bosun-compat-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield bucket
    finally:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        client.delete_bucket(Bucket=bucket)


@pytest.fixture(scope="session")
def bosun_server(backend: str, tmp_path_factory: pytest.TempPathFactory, artifact_bucket: str | None):
    """The session's server (proxied artifacts); the whole session's client points at it."""
    workdir = tmp_path_factory.mktemp(f"bosun-{backend}")
    with _backend_database(backend, workdir) as backend_uri:
        server = BosunServer(
            backend, backend_uri, workdir, "off" if backend == "external" else AUTH_MODE, bucket=artifact_bucket
        )
        with _running(server), _client_points_at(server):
            yield server


@pytest.fixture(scope="session")
def bosun_server_file_root(backend: str, tmp_path_factory: pytest.TempPathFactory, artifact_bucket: str | None):
    """A second server for the backend, with --no-serve-artifacts and a file:// default artifact root (an s3:// one
    with BOSUN_COMPAT_ARTIFACTS=s3); started the first time a test asks for it. It leaves the session's client alone: see `file_root_server`."""
    if backend == "external":
        raise pytest.UsageError("bosun_server_file_root starts Bosun; it has no BOSUN_COMPAT_EXTERNAL_URL variant")
    workdir = tmp_path_factory.mktemp(f"bosun-{backend}-file-root")
    with _backend_database(backend, workdir) as backend_uri:
        server = BosunServer(backend, backend_uri, workdir, AUTH_MODE, file_root=True, bucket=artifact_bucket)
        with _running(server):
            yield server


@pytest.fixture
def file_root_server(bosun_server_file_root: BosunServer):
    """The file-root server, with the client (tracking URI, credentials) pointing at it for this test."""
    with _client_points_at(bosun_server_file_root):
        yield bosun_server_file_root


@pytest.fixture(params=["proxied", "file-root"])
def artifact_mode_server(request: pytest.FixtureRequest, backend: str):
    """Each artifact mode in turn, the client pointing at that server for the test (`server.artifact_mode`)."""
    if request.param == "proxied":
        yield request.getfixturevalue("bosun_server")
    else:
        yield request.getfixturevalue("file_root_server")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the tail of the server log to every failing test: most failures are the server's to explain."""
    report = yield
    if report.failed and _running_servers:
        for server in _running_servers:
            report.sections.append(
                (f"bosun server log ({server.backend}, {server.artifact_mode}, tail)", server.log_tail())
            )
    return report


# --------------------------------------------------------------------------------------------------------------
# Per-test helpers.


@pytest.fixture
def client(bosun_server: BosunServer) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=bosun_server.url)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A name no other test (or backend, or earlier run against the same database) uses."""
    return f"{request.node.originalname}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def experiment_id(bosun_server: BosunServer, unique_name: str) -> str:
    """Makes a fresh experiment the active one for fluent calls and returns its id."""
    experiment = mlflow.set_experiment(unique_name)
    return experiment.experiment_id


@pytest.fixture(autouse=True)
def _no_leaked_runs():
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
