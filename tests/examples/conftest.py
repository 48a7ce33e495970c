"""Fixtures for the example suites: the examples in examples/ run end to end against a real `bosun server`.

They reuse the robustness suites' process wrapper (tests/robustness/robustness_support.py: a `node dist/cli/main.js
server` on a free loopback port with its own temp dir). Like those suites they build dist/ once per session unless
BOSUN_TEST_SKIP_BUILD=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))

from robustness_support import CLI, REPO  # noqa: E402


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
