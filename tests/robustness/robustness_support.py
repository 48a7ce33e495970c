"""Helpers shared by the robustness suites: starting a real `bosun server`, talking to it, checking errors.

Only `requests` and the standard library are used, so the suites run in the compat suite's venv.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

import requests

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli" / "main.js"
API = "/api/2.0/mlflow"
ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts"

# A busy machine makes things slower, never wrong: the suites wait for what they need (a server answering, a
# request's response, a child process) by polling for it or blocking on it, never for a fixed time, and assert
# no duration. This is only the ceiling after which a wait is declared a hang (10 minutes: no slowness of a
# loaded 2-core machine comes near it); the failure then names what was awaited.
PATIENCE_S = 600.0


# --------------------------------------------------------------------------------------------------------------
# Databases


@dataclass
class Backend:
    """A backend store for one server: a fresh SQLite file or a fresh PostgreSQL database."""

    kind: str  # "sqlite" | "postgres"
    uri: str
    sqlite_path: Path | None = None
    admin_uri: str | None = None
    db_name: str | None = None

    @staticmethod
    def sqlite(path: Path) -> "Backend":
        return Backend(kind="sqlite", uri=f"sqlite:///{path.resolve()}", sqlite_path=path.resolve())

    @staticmethod
    def postgres(admin_uri: str) -> "Backend":
        if shutil.which("psql") is None:
            raise RuntimeError("BOSUN_TEST_PG_URI is set but psql is not on PATH")
        name = f"bosun_robust_{uuid.uuid4().hex[:12]}"
        _psql(admin_uri, f'CREATE DATABASE "{name}"')
        parts = urlsplit(admin_uri)
        uri = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
        return Backend(kind="postgres", uri=uri, admin_uri=admin_uri, db_name=name)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Read-only query against the store, bypassing the server (SQLite via sqlite3, PostgreSQL via psql)."""
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            con = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=PATIENCE_S)
            try:
                return list(con.execute(sql).fetchall())
            finally:
                con.close()
        out = _psql(self.uri, sql)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def drop(self) -> None:
        if self.kind == "postgres" and self.admin_uri and self.db_name:
            try:
                _psql(self.admin_uri, f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except Exception:  # noqa: BLE001 - cleanup must not hide the test result
                pass


def _psql(uri: str, sql: str) -> str:
    proc = subprocess.run(
        ["psql", uri, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"psql failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


# --------------------------------------------------------------------------------------------------------------
# Server process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BosunServer:
    """One `node dist/cli/main.js server` process on a free loopback port."""

    workdir: Path
    backend: Backend
    artifacts_dir: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    log_paths: list[Path] = field(default_factory=list)
    # Extra `bosun server` flags (e.g. ["--auth", "--default-permission", "READ"]) and environment variables.
    extra_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = PATIENCE_S) -> "BosunServer":
        """Starts the server and returns once GET /health answers 200 (polled; each poll may time out and is
        retried). Fails at once if the process exits, and after `timeout` seconds as a hung start-up."""
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        if not self.port:
            self.port = free_port()
        self.starts += 1
        log_path = self.workdir / f"server-{self.starts}.log"
        self.log_paths.append(log_path)
        env = dict(os.environ)
        env.setdefault("BOSUN_LOG_LEVEL", os.environ.get("BOSUN_TEST_LOG_LEVEL", "warn"))
        env["BOSUN_DATA_DIR"] = str(self.workdir / "data-dir")
        env.update(self.extra_env)
        cmd = [
            "node",
            str(CLI),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--backend-store-uri",
            self.backend.uri,
            "--artifacts-destination",
            str(self.artifacts_dir),
            *self.extra_args,
        ]
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        last_error: str = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"bosun server exited with {self.proc.returncode} during start-up:\n{self.log_tail()}"
                )
            try:
                r = requests.get(f"{self.url}/health", timeout=10)
                if r.status_code == 200:
                    return self
                last_error = f"/health answered {r.status_code}"
            except requests.RequestException as exc:
                last_error = repr(exc)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"bosun server (port {self.port}, {self.backend.kind}) did not answer GET /health with 200 within "
            f"{timeout:.0f}s, the ceiling for a hung start-up (last poll: {last_error}):\n{self.log_tail()}"
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = PATIENCE_S) -> int | None:
        """SIGTERM, and waits for the exit (SIGKILL only after `grace` seconds: a hung shutdown). Returns the
        exit code. A graceful stop flushes the logs that tests read afterwards."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=PATIENCE_S)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing: what a crash or the OOM killer does."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=PATIENCE_S)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.log_paths if p.exists())

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def make_server(workdir: Path, backend_kind: str) -> BosunServer:
    workdir.mkdir(parents=True, exist_ok=True)
    artifacts = workdir / "outer" / "srv" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    if backend_kind == "sqlite":
        (workdir / "db").mkdir(exist_ok=True)
        backend = Backend.sqlite(workdir / "db" / "bosun.db")
    else:
        backend = Backend.postgres(os.environ["BOSUN_TEST_PG_URI"])
    return BosunServer(workdir=workdir, backend=backend, artifacts_dir=artifacts)


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = PATIENCE_S
) -> subprocess.CompletedProcess[str]:
    """Runs `node dist/cli/main.js <args>` (extra environment variables in `env`); the caller checks the result."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    full_env.update(env or {})
    return subprocess.run(
        ["node", str(CLI), *args], cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def cli_ok(*args: str, env: dict[str, str] | None = None) -> str:
    """`run_cli` that must succeed; returns stdout."""
    proc = run_cli(*args, env=env)
    assert proc.returncode == 0, f"`bosun {' '.join(args)}` exited with {proc.returncode}: {proc.stderr.strip()}"
    return proc.stdout


SECURE_ADMIN = "sec-admin"


@dataclass
class SecureServer:
    """A `bosun server --auth` with its first administrator and non-admin users made with the CLI."""

    server: BosunServer
    default_permission: str
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def create_user(self, username: str, password: str | None = None) -> str:
        """Creates a non-admin user with `bosun users create` (password from BOSUN_USER_PASSWORD)."""
        password = password or f"Pw-{username}-{uuid.uuid4().hex[:12]}!"
        cli_ok("users", "create", "--username", username, "--backend-store-uri", self.server.backend.uri,
               env={"BOSUN_USER_PASSWORD": password})  # fmt: skip
        self.passwords[username] = password
        return password

    def api(self, username: str | None) -> Api:
        """A client signed in as `username` (HTTP Basic), or anonymous for None."""
        return Api(self.url, auth=None if username is None else (username, self.passwords[username]))

    def basic(self, username: str, password: str | None = None) -> dict[str, str]:
        """An `Authorization` header for `raw_request`."""
        raw = f"{username}:{self.passwords[username] if password is None else password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


    def start(self) -> "SecureServer":
        """Starts the server (the first administrator comes from BOSUN_ADMIN_*) and creates alice and bob."""
        self.server.start()
        for user in ("alice", "bob"):
            self.create_user(user)
        return self


def make_secure_server(workdir: Path, backend_kind: str, default_permission: str) -> SecureServer:
    """A `bosun server --auth --default-permission <p>` (not started yet: call `start()`)."""
    srv = make_server(workdir, backend_kind)
    admin_password = f"Admin-{uuid.uuid4().hex[:16]}!"
    srv.extra_args = ["--auth", "--default-permission", default_permission]
    srv.extra_env = {"BOSUN_ADMIN_USERNAME": SECURE_ADMIN, "BOSUN_ADMIN_PASSWORD": admin_password}
    return SecureServer(server=srv, default_permission=default_permission, passwords={SECURE_ADMIN: admin_password})


# --------------------------------------------------------------------------------------------------------------
# HTTP


class Api:
    """A thin client for the MLflow routes. Methods return the raw `requests.Response`.

    `auth` is what `requests` takes (e.g. `("alice", "password")` for HTTP Basic), sent on every call."""

    def __init__(self, base_url: str, timeout: float = PATIENCE_S, auth: Any = None):
        self.base = base_url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = auth

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        """Any route by its full path (`/api/2.0/...`, `/api/bosun/v1/...`)."""
        return self.session.request(method, f"{self.base}{path}", timeout=self.timeout, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(f"{self.base}{API}/{path}", json=body, timeout=self.timeout, **kw)

    def post_raw(self, path: str, data: bytes | str, content_type: str = "application/json") -> requests.Response:
        return self.session.post(
            f"{self.base}{API}/{path}", data=data, headers={"Content-Type": content_type}, timeout=self.timeout
        )

    def get(self, path: str, params: Any = None) -> requests.Response:
        return self.session.get(f"{self.base}{API}/{path}", params=params, timeout=self.timeout)

    # ---- convenience, asserting success

    def ok(self, resp: requests.Response) -> dict[str, Any]:
        assert resp.status_code == 200, describe(resp)
        body = resp.json()
        assert isinstance(body, dict), describe(resp)
        return body

    def create_experiment(self, name: str | None = None) -> str:
        body = self.ok(self.post("experiments/create", {"name": name or f"exp-{uuid.uuid4().hex}"}))
        return str(body["experiment_id"])

    def create_run(self, experiment_id: str) -> str:
        body = self.ok(
            self.post("runs/create", {"experiment_id": experiment_id, "start_time": now_ms(), "user_id": "robust"})
        )
        return str(body["run"]["info"]["run_id"])

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self.ok(self.get("runs/get", {"run_id": run_id}))["run"]

    def run_data(self, run_id: str) -> dict[str, list[dict[str, Any]]]:
        data = self.get_run(run_id).get("data", {})
        return {k: data.get(k, []) for k in ("metrics", "params", "tags")}

    def user_tags(self, run_id: str) -> list[dict[str, Any]]:
        """Run tags without the `mlflow.*` system tags the server adds itself."""
        return [t for t in self.run_data(run_id)["tags"] if not str(t["key"]).startswith("mlflow.")]

    def history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(10_000):
            params: dict[str, Any] = {"run_id": run_id, "metric_key": key, "max_results": 25000}
            if token:
                params["page_token"] = token
            body = self.ok(self.get("metrics/get-history", params))
            out.extend(body.get("metrics", []))
            token = body.get("next_page_token") or None
            if not token:
                return out
        raise AssertionError("get-history never stopped returning next_page_token")

    def log_batch(self, run_id: str, metrics: Any = None, params: Any = None, tags: Any = None) -> requests.Response:
        body: dict[str, Any] = {"run_id": run_id}
        if metrics is not None:
            body["metrics"] = metrics
        if params is not None:
            body["params"] = params
        if tags is not None:
            body["tags"] = tags
        return self.post("runs/log-batch", body)


def now_ms() -> int:
    return int(time.time() * 1000)


def describe(resp: requests.Response) -> str:
    req = resp.request
    body = req.body if req is not None else None
    if isinstance(body, bytes):
        body = body[:300].decode(errors="replace") + ("..." if len(body) > 300 else "")
    elif isinstance(body, str) and len(body) > 300:
        body = body[:300] + "..."
    method = req.method if req is not None else "?"
    url = req.url if req is not None else "?"
    return f"{method} {url} body={body!r} -> {resp.status_code} {resp.text[:500]!r}"


@dataclass
class RawResponse:
    """What came back for a request sent byte for byte (see `raw_request`)."""

    method: str
    target: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def describe(self) -> str:
        return f"{self.method} {self.target} -> {self.status} {self.text[:500]!r}"


def raw_request(
    base_url: str,
    method: str,
    target: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = PATIENCE_S,
) -> RawResponse:
    """Sends `target` exactly as given (no dot-segment removal, no re-quoting), unlike `requests`/urllib3.
    A `Host` in `headers` replaces the one http.client would add (instead of being sent as a second one)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        conn.putrequest(method, target, skip_host=any(k.lower() == "host" for k in hdrs), skip_accept_encoding=True)
        if body is not None:
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(method, target, resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def send_oversized(
    base_url: str, path: str, total_bytes: int, chunked: bool = False, timeout: float = PATIENCE_S
) -> tuple[int | None, bytes, int]:
    """Streams a JSON body announced as `total_bytes` (by Content-Length, or chunked) and stops sending as soon as
    the server answers. The last piece is never sent: the body is never complete, so any answer is one the server
    gave without waiting for the whole body (a bound on its work, where a clock would bound the machine's speed).
    Once everything else is sent it waits for the answer, up to `timeout` (a hang).

    Returns (status or None when nothing came back, response body, body bytes sent before the answer). The body
    is a valid JSON object (`{"run_id":"...","pad":"xxxx...."}`) so that only its size can be the reason for a
    rejection.
    """
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    prefix = b'{"run_id":"0123456789abcdef0123456789abcdef","pad":"'
    suffix = b'"}'
    pad_len = total_bytes - len(prefix) - len(suffix)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nConnection: close\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {total_bytes}\r\n\r\n"
    sock = socket.create_connection((host, port), timeout=timeout)
    received = bytearray()
    answered = threading.Event()
    sent = [0]
    sent_when_answered: list[int] = []

    def reader() -> None:
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    break
                if not answered.is_set():
                    sent_when_answered.append(sent[0])
                    answered.set()
                received.extend(got)
                if _complete(bytes(received)):
                    break
        except OSError:
            pass
        finally:
            answered.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        sock.sendall(head.encode())
        block = b"x" * (1 << 20)
        pieces = [prefix] + [block] * (pad_len // len(block)) + [b"x" * (pad_len % len(block)), suffix]
        for piece in [p for p in pieces[:-1] if p]:  # an empty chunk would end a chunked body
            if answered.is_set():
                break
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            sent[0] += len(piece)
    except OSError:
        pass  # the server may close the connection once it has answered
    thread.join(timeout)
    sock.close()
    sent_before_answer = sent_when_answered[0] if sent_when_answered else sent[0]
    data = bytes(received)
    if not data:
        return None, b"", sent_before_answer
    status_line, _, rest = data.partition(b"\r\n")
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError):
        return None, data, sent_before_answer
    head_part, _, body = rest.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head_part.lower():
        body = _dechunk(body)
    return status, body, sent_before_answer


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return b"0\r\n\r\n" in body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return out


# --------------------------------------------------------------------------------------------------------------
# Assertions

# Malformed JSON and non-object bodies: MLflow's own answer is INVALID_PARAMETER_VALUE; BAD_REQUEST is as good.
SYNTAX_CODES = frozenset({"INVALID_PARAMETER_VALUE", "BAD_REQUEST"})


def error_body(status: int, content_type: str, text: str, what: str) -> dict[str, Any]:
    assert status < 500, f"server error: {what}"
    assert "application/json" in content_type.lower(), f"error is not JSON (content-type {content_type!r}): {what}"
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise AssertionError(f"error body is not valid JSON: {what}") from exc
    assert isinstance(body, dict), f"error body is not an object: {what}"
    assert isinstance(body.get("error_code"), str) and body["error_code"], f"no error_code: {what}"
    assert isinstance(body.get("message"), str), f"no message: {what}"
    return body


def assert_error(
    resp: requests.Response | RawResponse,
    statuses: int | Iterable[int],
    codes: str | Iterable[str] | None,
) -> dict[str, Any]:
    """Asserts an MLflow-shaped JSON error with one of `statuses` and (unless None) one of `codes`."""
    allowed_status = {statuses} if isinstance(statuses, int) else set(statuses)
    allowed_codes = None if codes is None else ({codes} if isinstance(codes, str) else set(codes))
    if isinstance(resp, RawResponse):
        what, status, ctype, text = resp.describe(), resp.status, resp.headers.get("content-type", ""), resp.text
    else:
        what, status, ctype, text = describe(resp), resp.status_code, resp.headers.get("content-type", ""), resp.text
    assert status in allowed_status, f"expected HTTP {sorted(allowed_status)}: {what}"
    body = error_body(status, ctype, text, what)
    if allowed_codes is not None:
        assert body["error_code"] in allowed_codes, f"expected error_code in {sorted(allowed_codes)}: {what}"
    assert_no_internals(text, what)
    return body


_INTERNAL_MARKERS = ("SQLITE_", "sqlite3", "syntax error at or near", "at Object.", "node_modules", "    at ")


def assert_no_internals(text: str, what: str) -> None:
    """Error messages must not leak stack traces or raw database errors."""
    for marker in _INTERNAL_MARKERS:
        assert marker not in text, f"error leaks internals ({marker!r}): {what}"


def assert_not_5xx(resp: requests.Response | RawResponse) -> None:
    status = resp.status if isinstance(resp, RawResponse) else resp.status_code
    what = resp.describe() if isinstance(resp, RawResponse) else describe(resp)
    assert status < 500, f"server error: {what}"
    if status >= 400:
        assert_error(resp, status, None)


def metric(key: str, value: Any = 1.0, step: Any = 0, timestamp: Any = None) -> dict[str, Any]:
    return {"key": key, "value": value, "timestamp": now_ms() if timestamp is None else timestamp, "step": step}
