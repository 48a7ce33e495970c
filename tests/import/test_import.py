"""`bosun import` against a real MLflow server: everything copied, read back with the same client, field by field;
the model loads by alias; a second import changes nothing; an import killed halfway completes when restarted."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path

import mlflow
import numpy as np
import pytest

from conftest import ADMIN, ADMIN_PASSWORD, PATIENCE_S, REPO_ROOT, import_command, run_import
from import_snapshot import fingerprint, signed_in, snapshot

# What an import writes; after a complete import, a repeat must report none of them.
WRITE_COUNTERS = (
    "experimentsCreated",
    "runsImported",
    "metricPoints",
    "loggedModelsImported",
    "artifactFiles",
    "artifactBytes",
    "registeredModelsCreated",
    "versionsCreated",
    "aliases",
    "stages",
)


def report_of(result: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def source_snapshot(mlflow_source) -> dict:
    with signed_in(None, None):
        return snapshot(mlflow_source.url)


def bosun_snapshot(server) -> dict:
    with signed_in(ADMIN, ADMIN_PASSWORD):
        return snapshot(server.url)


def assert_same_as_source(source: dict, target: dict) -> None:
    """Field by field: every experiment, run, metric point, artifact hash, logged model and registry entry."""
    assert sorted(target["experiments"]) == sorted(source["experiments"])
    for name, expected in source["experiments"].items():
        got = target["experiments"][name]
        assert got["lifecycle_stage"] == expected["lifecycle_stage"], name
        assert got["tags"] == expected["tags"], name
        assert sorted(got["runs"]) == sorted(expected["runs"]), name
        for run_id, run in expected["runs"].items():
            for field, value in run.items():
                assert got["runs"][run_id][field] == value, f"{name} run {run_id} {field}"
        assert got["logged_models"] == expected["logged_models"], name
    assert target["registered_models"] == source["registered_models"]


def test_import_copies_everything_and_a_repeat_changes_nothing(
    mlflow_source, source_snapshot, bosun_factory, tmp_path: Path
) -> None:
    expected = mlflow_source.expected
    bosun = bosun_factory()
    state = tmp_path / "import.state"

    first = report_of(run_import(mlflow_source, bosun, "--state", str(state), "--json"))
    counts = first["counts"]
    assert first["skipped"] == []
    assert counts["runsImported"] == len(expected["run_ids"])
    # Every point of every history (and the model runs' one point each) was written.
    assert counts["metricPoints"] == expected["metric_points"] + 1 + 2
    assert counts["versionsCreated"] == 2 and counts["aliases"] == 1 and counts["stages"] == 1
    assert counts["loggedModelsImported"] == 2 and counts["registeredModelsCreated"] == 1

    target = bosun_snapshot(bosun)
    assert_same_as_source(source_snapshot, target)
    # Bosun's own additions: each version was scanned as a new one, and listed on its logged model.
    assert target["bosun"]["versions"] == {
        f"{expected['model_name']}/1": {"bosun.scan.status": "clean"},
        f"{expected['model_name']}/2": {"bosun.scan.status": "clean"},
    }
    listed = [json.loads(v) for v in target["bosun"]["logged_models"].values()]
    assert sorted(entry[0]["version"] for entry in listed) == [1, 2]

    with signed_in(ADMIN, ADMIN_PASSWORD):
        mlflow.set_tracking_uri(bosun.url)
        model = mlflow.pyfunc.load_model(f"models:/{expected['model_name']}@champion")
        predicted = model.predict(np.array(expected["probe"]))
    assert [int(p) for p in predicted] == expected["predictions"]

    before = fingerprint(target)
    again = report_of(run_import(mlflow_source, bosun, "--state", str(state), "--json"))
    assert {k: again["counts"][k] for k in WRITE_COUNTERS} == {k: 0 for k in WRITE_COUNTERS}
    assert again["counts"]["experimentsSkippedDone"] == len(source_snapshot["experiments"])
    assert again["counts"]["registeredModelsSkippedDone"] == 1
    assert fingerprint(bosun_snapshot(bosun)) == before

    # Without the state file, the target itself is checked: nothing is written twice either.
    stateless = report_of(run_import(mlflow_source, bosun, "--json"))
    assert {k: stateless["counts"][k] for k in WRITE_COUNTERS} == {k: 0 for k in WRITE_COUNTERS}
    assert stateless["counts"]["runsResumed"] == len(expected["run_ids"])
    assert stateless["counts"]["metricPointsPresent"] == counts["metricPoints"]
    assert stateless["skipped"] == []
    assert fingerprint(bosun_snapshot(bosun)) == before


def test_import_from_the_database_copies_the_same_and_a_repeat_changes_nothing(
    mlflow_source, source_snapshot, bosun_factory, tmp_path: Path
) -> None:
    """`--from-db`: the MLflow server's SQLite file and artifact folder, read directly (read-only), give Bosun the same
    data the REST import does, compared field by field with what the mlflow client reads from the source."""
    expected = mlflow_source.expected
    database = mlflow_source.workdir / "mlflow.db"
    source_bytes = hashlib.sha256(database.read_bytes()).hexdigest()
    bosun = bosun_factory()
    state = tmp_path / "import-db.state"

    first = report_of(run_import(mlflow_source, bosun, "--state", str(state), "--json", from_db=True))
    counts = first["counts"]
    assert first["skipped"] == []
    assert counts["runsImported"] == len(expected["run_ids"])
    assert counts["metricPoints"] == expected["metric_points"] + 1 + 2
    assert counts["versionsCreated"] == 2 and counts["aliases"] == 1 and counts["stages"] == 1
    assert counts["loggedModelsImported"] == 2 and counts["registeredModelsCreated"] == 1

    target = bosun_snapshot(bosun)
    assert_same_as_source(source_snapshot, target)
    assert target["bosun"]["versions"] == {
        f"{expected['model_name']}/1": {"bosun.scan.status": "clean"},
        f"{expected['model_name']}/2": {"bosun.scan.status": "clean"},
    }
    with signed_in(ADMIN, ADMIN_PASSWORD):
        mlflow.set_tracking_uri(bosun.url)
        model = mlflow.pyfunc.load_model(f"models:/{expected['model_name']}@champion")
        predicted = model.predict(np.array(expected["probe"]))
    assert [int(p) for p in predicted] == expected["predictions"]

    before = fingerprint(target)
    again = report_of(run_import(mlflow_source, bosun, "--state", str(state), "--json", from_db=True))
    assert {k: again["counts"][k] for k in WRITE_COUNTERS} == {k: 0 for k in WRITE_COUNTERS}
    assert again["counts"]["experimentsSkippedDone"] == len(source_snapshot["experiments"])
    stateless = report_of(run_import(mlflow_source, bosun, "--json", from_db=True))
    assert {k: stateless["counts"][k] for k in WRITE_COUNTERS} == {k: 0 for k in WRITE_COUNTERS}
    assert stateless["counts"]["metricPointsPresent"] == counts["metricPoints"]
    assert stateless["skipped"] == []
    assert fingerprint(bosun_snapshot(bosun)) == before
    # Read-only against the source: the database file is byte for byte what it was.
    assert hashlib.sha256(database.read_bytes()).hexdigest() == source_bytes


def _done_runs(state: Path) -> int:
    try:
        lines = state.read_text().splitlines()
    except FileNotFoundError:
        return 0
    return sum(1 for line in lines if '"done":"run"' in line)


def test_an_import_killed_halfway_completes_when_restarted(
    mlflow_source, source_snapshot, bosun_factory, tmp_path: Path
) -> None:
    expected = mlflow_source.expected
    total_runs = len(expected["run_ids"])
    bosun = bosun_factory()
    state = tmp_path / "import.state"
    command, env = import_command(mlflow_source, bosun, "--state", str(state), "--parallel", "1", "--json")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + PATIENCE_S
    while _done_runs(state) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=PATIENCE_S)
    done = _done_runs(state)
    assert 2 <= done < total_runs, f"the import was not stopped halfway ({done} of {total_runs} runs done)"
    assert '"registered-model"' not in state.read_text()

    halfway = bosun_snapshot(bosun)
    assert halfway["registered_models"] == {}

    resumed = report_of(run_import(mlflow_source, bosun, "--state", str(state), "--json"))
    assert resumed["skipped"] == []
    # Finished runs are not copied again (those of a finished experiment are skipped with it).
    assert resumed["counts"]["runsImported"] + resumed["counts"]["runsResumed"] == total_runs - done
    assert resumed["counts"]["versionsCreated"] == 2
    target = bosun_snapshot(bosun)
    assert_same_as_source(source_snapshot, target)
    assert all(v == {"bosun.scan.status": "clean"} for v in target["bosun"]["versions"].values())

    # Identical to an import that was never interrupted, Bosun's own additions included.
    uninterrupted = bosun_factory()
    run_import(mlflow_source, uninterrupted, "--json")
    assert fingerprint(bosun_snapshot(uninterrupted)) == fingerprint(target)
