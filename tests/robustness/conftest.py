"""Fixtures for the robustness suites: a real `bosun server` process on a free port with its own temp dir.

Environment:
  BOSUN_TEST_SKIP_BUILD=1   use the existing dist/ instead of running `npm run build` once per session
  BOSUN_TEST_PG_URI=...     also run the backend-parametrised suites on PostgreSQL (a fresh database each)
  BOSUN_TEST_LOG_LEVEL=...  server log level (default warn); logs are kept in the test's temp dir
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest

from robustness_support import CLI, REPO, Api, BosunServer, SecureServer, make_secure_server, make_server

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("BOSUN_TEST_PG_URI") else [])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (concurrency, crash safety)")


@pytest.fixture(scope="session")
def bosun_build() -> Path:
    """Builds dist/ once per session (unless BOSUN_TEST_SKIP_BUILD=1) and checks the CLI entry point exists."""
    if os.environ.get("BOSUN_TEST_SKIP_BUILD") != "1":
        proc = subprocess.run(["npm", "run", "build"], cwd=REPO, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            pytest.fail(f"npm run build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}", pytrace=False)
    if not CLI.exists():
        pytest.fail(f"{CLI} does not exist: build the server first (npm run build)", pytrace=False)
    return CLI


@pytest.fixture(scope="module", params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def server(
    bosun_build: Path, backend_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BosunServer]:
    """One server for the whole module. At the end it must still be alive: a crash under bad input fails."""
    srv = make_server(tmp_path_factory.mktemp(f"bosun-{backend_kind}"), backend_kind)
    srv.start()
    try:
        yield srv
        alive = srv.running()
        code = srv.stop()
        assert alive, f"the server died during the module (exit {code}):\n{srv.log_tail()}"
    finally:
        srv.kill()
        srv.backend.drop()


@pytest.fixture(scope="module")
def api(server: BosunServer) -> Api:
    return Api(server.url)


@pytest.fixture
def server_factory(
    bosun_build: Path, tmp_path: Path
) -> Iterator[Callable[[str], BosunServer]]:
    """Builds (not starts) servers owned by one test; every one is stopped and its database dropped at the end."""
    made: list[BosunServer] = []

    def make(backend_kind: str) -> BosunServer:
        srv = make_server(tmp_path / f"server-{len(made)}", backend_kind)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop()
        srv.backend.drop()


@pytest.fixture(scope="module")
def secure_servers(
    bosun_build: Path, backend_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], SecureServer]]:
    """`secure_servers("READ")`: a `bosun server --auth --default-permission READ` with the users alice and bob
    (and its administrator), one per default permission for the whole module. Each must still be alive at the end."""
    made: dict[str, SecureServer] = {}

    def get(default_permission: str) -> SecureServer:
        if default_permission not in made:
            workdir = tmp_path_factory.mktemp(f"bosun-auth-{default_permission.lower()}-{backend_kind}")
            made[default_permission] = make_secure_server(workdir, backend_kind, default_permission)
            made[default_permission].start()
        return made[default_permission]

    try:
        yield get
        for secure in made.values():
            alive = secure.server.running()
            code = secure.server.stop()
            assert alive, f"the --auth server died during the module (exit {code}):\n{secure.server.log_tail()}"
    finally:
        for secure in made.values():
            secure.server.kill()
            secure.server.backend.drop()
