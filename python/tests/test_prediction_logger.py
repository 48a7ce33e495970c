"""PredictionLogger against a fake of Bosun's prediction routes (tests/fake_monitoring_api.py): batching, retries,
a lost answer, refused records, label ordering, credentials, the bounded queue and fork safety."""

from __future__ import annotations

import base64
import math
import os
import threading
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from bosun_monitoring import PredictionLogger
from fake_monitoring_api import FakeMonitoringApi

# A hang guard, not a speed check: flush() waits this long before the test reports it as stuck.
STUCK = 60.0


@pytest.fixture
def api() -> Iterator[FakeMonitoringApi]:
    fake = FakeMonitoringApi()
    yield fake
    fake.close()


def make(api: FakeMonitoringApi, **options: Any) -> PredictionLogger:
    options.setdefault("flush_interval", 60.0)  # batches leave when full or on flush(), never by the clock
    options.setdefault("backoff", 0.01)
    options.setdefault("max_backoff", 0.05)
    return PredictionLogger("churn", tracking_uri=api.url, **options)


def prediction_batches(api: FakeMonitoringApi) -> List[Dict[str, Any]]:
    return [body for leaf, body, _ in api.requests if leaf == "predictions"]


def test_sends_every_prediction_in_batches_of_at_most_batch_size(api: FakeMonitoringApi) -> None:
    logger = make(api, alias="champion", batch_size=100)
    ids = [logger.log({"age": i, "city": "Lyon"}, prediction=i % 2, timestamp=1_700_000_000 + i) for i in range(250)]
    assert logger.flush(STUCK)
    batches = prediction_batches(api)
    assert all(1 <= len(b["records"]) <= 100 and b["alias"] == "champion" for b in batches)
    assert sorted(api.stored) == sorted(ids) and len(set(ids)) == 250
    assert api.stored[ids[7]] == {
        "features": {"age": 7, "city": "Lyon"},
        "prediction": 1,
        "request_id": ids[7],
        "timestamp": 1_700_000_007_000,
    }
    stats = logger.stats
    assert (stats.logged, stats.sent_predictions, stats.pending, stats.rejected, stats.dropped) == (250, 250, 0, 0, 0)
    assert logger.close(STUCK)


def test_retries_503_and_stores_the_batch_once(api: FakeMonitoringApi) -> None:
    api.script = ["503", "503"]
    logger = make(api, version="3")
    logger.log({"x": 1.5}, prediction="a", request_id="r1")
    assert logger.flush(STUCK)
    assert [len(b["records"]) for b in prediction_batches(api)] == [1, 1, 1]
    assert prediction_batches(api)[0]["version"] == "3"
    assert list(api.stored) == ["r1"] and logger.stats.retries == 2 and logger.stats.sent_predictions == 1
    logger.close(STUCK)


def test_a_lost_answer_is_not_stored_twice_nor_counted_as_refused(api: FakeMonitoringApi) -> None:
    api.script = ["lost"]  # the first attempt is stored, but its answer never arrives
    logger = make(api)
    for i in range(5):
        logger.log({"x": i}, prediction=i)
    assert logger.flush(STUCK)
    assert len(prediction_batches(api)) == 2 and len(api.stored) == 5
    stats = logger.stats
    assert (stats.sent_predictions, stats.rejected, stats.retries) == (5, 0, 1)
    logger.close(STUCK)


def test_a_refused_record_is_reported_and_the_rest_of_its_batch_is_stored(api: FakeMonitoringApi) -> None:
    errors: List[Tuple[str, List[Dict[str, Any]]]] = []
    logger = make(api, on_error=lambda message, records: errors.append((message, records)))
    logger.log({"x": 1}, prediction=0, request_id="ok-1")
    logger.log({"bad": 1}, prediction=0, request_id="bad-1")
    logger.log({"x": 2}, prediction=0, request_id="ok-2")
    assert logger.flush(STUCK)
    assert sorted(api.stored) == ["ok-1", "ok-2"]
    assert len(errors) == 1 and errors[0][0].startswith("HTTP 400: records[1].features.bad")
    assert [r["request_id"] for r in errors[0][1]] == ["bad-1"]
    stats = logger.stats
    assert (stats.sent_predictions, stats.rejected, stats.pending) == (2, 1, 0)
    assert stats.last_error is not None and "records[1].features.bad" in stats.last_error
    logger.close(STUCK)


def test_a_duplicate_request_id_the_caller_chose_is_refused_not_taken_for_a_retry(api: FakeMonitoringApi) -> None:
    logger = make(api)
    logger.log({"x": 1}, prediction=0, request_id="same")
    assert logger.flush(STUCK)
    logger.log({"x": 2}, prediction=1, request_id="same")
    assert logger.flush(STUCK)
    assert api.stored["same"]["features"] == {"x": 1}
    assert (logger.stats.sent_predictions, logger.stats.rejected) == (1, 1)
    logger.close(STUCK)


def test_a_batch_refused_as_a_whole_is_dropped_and_reported(api: FakeMonitoringApi) -> None:
    api.script = ["404"]
    errors: List[str] = []
    logger = make(api, on_error=lambda message, records: errors.append(f"{message} ({len(records)})"))
    logger.log({"x": 1}, prediction=0)
    logger.log({"x": 2}, prediction=0)
    assert logger.flush(STUCK)
    assert errors == ["HTTP 404: Registered model 'x' not found (2)"]
    assert (logger.stats.rejected, logger.stats.sent_predictions, api.stored) == (2, 0, {})
    logger.close(STUCK)


def test_labels_follow_the_predictions_queued_before_them(api: FakeMonitoringApi) -> None:
    api.script = ["503"]  # the prediction needs a second attempt; its label must wait for it
    logger = make(api)
    request_id = logger.log({"x": 1}, prediction="basic")
    logger.log_label(request_id, "pro")
    assert logger.flush(STUCK)
    assert api.labels == {request_id: "pro"}
    assert [leaf for leaf, _, _ in api.requests] == ["predictions", "predictions", "labels"]
    assert (logger.stats.labelled, logger.stats.sent_labels) == (1, 1)
    logger.close(STUCK)


def test_log_returns_while_the_server_holds_the_batch(api: FakeMonitoringApi) -> None:
    api.script = ["hold"]
    logger = make(api, batch_size=2, max_queue=4)
    logger.log({"x": 0}, prediction=0)
    logger.log({"x": 1}, prediction=0)  # a full batch: the thread sends it, and the fake holds it
    while not api.requests:
        threading.Event().wait(0.01)
    for i in range(2, 9):  # seven more while the first batch is held: the queue keeps the newest four
        logger.log({"x": i}, prediction=0)
    assert logger.stats.dropped == 3 and logger.stats.pending == 6
    api.release.set()
    assert logger.flush(STUCK)
    assert sorted(r["features"]["x"] for r in api.stored.values()) == [0, 1, 5, 6, 7, 8]
    assert logger.stats.sent_predictions == 6
    logger.close(STUCK)


def test_values_are_made_json_scalars_and_wrong_ones_refused_at_once(api: FakeMonitoringApi) -> None:
    class NumpyLike:
        def item(self) -> float:
            return 2.5

    logger = make(api)
    logger.log({"nan": math.nan, "inf": math.inf, "np": NumpyLike(), "none": None, "flag": True}, prediction=NumpyLike(), request_id="r")
    with pytest.raises(TypeError, match=r"features\['x'\]"):
        logger.log({"x": [1, 2]}, prediction=0)
    with pytest.raises(TypeError, match="features: expected a mapping"):
        logger.log([1, 2], prediction=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="prediction: nan cannot be logged"):
        logger.log({"x": 1}, prediction=math.nan)
    assert logger.flush(STUCK)
    assert api.stored["r"]["features"] == {"nan": None, "inf": None, "np": 2.5, "none": None, "flag": True}
    assert api.stored["r"]["prediction"] == 2.5 and logger.stats.logged == 1
    logger.close(STUCK)


def test_credentials_are_the_mlflow_clients(api: FakeMonitoringApi, monkeypatch: pytest.MonkeyPatch) -> None:
    with make(api, token="tok-123") as logger:
        logger.log({"x": 1}, prediction=0)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ana")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "s3cret")
    with make(api) as logger:
        logger.log({"x": 1}, prediction=0)
    assert [h.get("authorization") for _, _, h in api.requests] == [
        "Bearer tok-123",
        "Basic " + base64.b64encode(b"ana:s3cret").decode(),
    ]


def test_settings_are_checked(api: FakeMonitoringApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOSUN_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with pytest.raises(ValueError, match="no server"):
        PredictionLogger("churn")
    with pytest.raises(ValueError, match="http"):
        PredictionLogger("churn", tracking_uri="file:///tmp/mlruns")
    with pytest.raises(ValueError, match="alias or version"):
        make(api, alias="a", version="1")
    with pytest.raises(ValueError, match="batch_size"):
        make(api, batch_size=10_001)
    logger = make(api)
    logger.close(STUCK)
    with pytest.raises(RuntimeError, match="closed"):
        logger.log({"x": 1}, prediction=0)


def test_close_drops_and_counts_what_an_unreachable_server_never_got(api: FakeMonitoringApi) -> None:
    api.script = ["503"] * 1000
    logger = make(api)
    logger.log({"x": 1}, prediction=0)
    assert logger.close(timeout=0.2) is False
    stats = logger.stats
    assert (stats.dropped, stats.sent_predictions, stats.pending) == (1, 0, 0) and stats.retries >= 1


def test_a_forked_child_logs_through_its_own_thread(api: FakeMonitoringApi) -> None:
    logger = make(api)
    logger.log({"who": "parent"}, prediction=0, request_id="parent")
    assert logger.flush(STUCK)
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread did not survive the fork
        code = 1
        try:
            logger.log({"who": "child"}, prediction=0, request_id="child")
            code = 0 if logger.flush(STUCK) and logger.stats.logged == 1 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sorted(api.stored) == ["child", "parent"]
    logger.close(STUCK)
