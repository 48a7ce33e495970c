"""``PredictionLogger``: queue predictions and labels in memory, send them in batches from a background thread."""

from __future__ import annotations

import atexit
import logging
import math
import os
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional

from .transport import Delivered, Refused, Retry, Transport

log = logging.getLogger("bosun_monitoring")

# The server takes at most 10,000 records per batch.
MAX_BATCH = 10_000

ErrorHandler = Callable[[str, List[Dict[str, Any]]], None]


@dataclass(frozen=True)
class LoggerStats:
    """What a logger did so far. Every record logged ends up sent, rejected or dropped (or is still pending)."""

    logged: int  # predictions passed to log()
    labelled: int  # labels passed to log_label()
    sent_predictions: int
    sent_labels: int
    rejected: int  # refused by the server (bad record, unknown model, no permission...)
    dropped: int  # the oldest queued records, dropped when the queue was full, or unsent at close()
    retries: int  # batches sent again after a failure
    pending: int  # queued or being sent
    last_error: Optional[str]


def _scalar(value: Any, where: str, allow_none: bool) -> Any:
    if value is None:
        if allow_none:
            return None
        raise TypeError(f"{where}: a value is required")
    if isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        if allow_none:
            return None  # a missing feature: JSON has no NaN
        raise ValueError(f"{where}: {value} cannot be logged")
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item):
        plain = item()
        if plain is None or isinstance(plain, (bool, str, int, float)):
            return _scalar(plain, where, allow_none)
    raise TypeError(f"{where}: expected a number, string, bool or None, not {type(value).__name__}")


class PredictionLogger:
    """Sends a model's predictions and labels to Bosun without blocking the caller.

    ``log()`` and ``log_label()`` only append to an in-memory queue (bounded by ``max_queue``; when it is full
    the oldest records are dropped and counted) and return. A daemon thread sends batches of up to
    ``batch_size`` records every ``flush_interval`` seconds, or sooner when a batch is full. While the server
    is unreachable or answers 408/425/429/5xx, the batch is sent again with exponential backoff and full jitter
    (capped at ``max_backoff``; a ``Retry-After`` header is obeyed), for as long as it takes: nothing is lost
    unless the queue overflows. Every prediction carries a request id (a UUID unless you pass one), so a batch
    sent again after a lost answer is not stored twice: the server refuses ids it has, and the logger counts
    that batch as sent. A record the server refuses (naming it, e.g. ``records[3].features.age``) is dropped,
    reported to ``on_error`` and the rest of its batch is sent again; a refusal of the whole batch (unknown model,
    no permission) drops that batch. Labels are sent after the predictions queued before them.

    Credentials are the ``mlflow`` client's: ``token`` (or BOSUN_TRACKING_TOKEN / MLFLOW_TRACKING_TOKEN), else
    ``username``/``password`` (or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD). ``close()`` sends what is
    queued; it also runs at interpreter exit (up to ``exit_timeout`` seconds). In a process forked from one with
    a logger (gunicorn's workers, say), the logger starts afresh with an empty queue and its own thread.
    """

    def __init__(
        self,
        model_name: str,
        *,
        alias: Optional[str] = None,
        version: Optional[str] = None,
        tracking_uri: Optional[str] = None,
        token: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        max_queue: int = 100_000,
        timeout: float = 10.0,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        exit_timeout: float = 5.0,
        on_error: Optional[ErrorHandler] = None,
    ) -> None:
        if not model_name:
            raise ValueError("model_name is required")
        if alias is not None and version is not None:
            raise ValueError("pass alias or version, not both")
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH}")
        if max_queue < batch_size:
            raise ValueError("max_queue must be at least batch_size")
        if flush_interval <= 0 or backoff <= 0 or max_backoff < backoff or timeout <= 0:
            raise ValueError("flush_interval, backoff and timeout must be positive, max_backoff >= backoff")
        self.model_name = model_name
        self._target: Dict[str, str] = {}
        if alias is not None:
            self._target["alias"] = alias
        if version is not None:
            self._target["version"] = str(version)
        self._transport = Transport(tracking_uri, token, username, password, timeout)
        self._predictions_url = self._transport.model_url(model_name, "predictions")
        self._labels_url = self._transport.model_url(model_name, "labels")
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_queue = max_queue
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._exit_timeout = exit_timeout
        self._on_error = on_error
        self._start_fresh()
        atexit.register(self._at_exit)

    # --- the caller's side: never blocks on the network ---

    def log(
        self,
        features: Mapping[str, Any],
        prediction: Any,
        *,
        request_id: Optional[str] = None,
        timestamp: Optional[float] = None,
        label: Any = None,
    ) -> str:
        """Queues one prediction and returns its request id (pass it to ``log_label`` later).

        ``features``: column name to a number, string, bool or None (NaN becomes None, a missing value).
        ``timestamp``: epoch seconds (default: now). Raises TypeError/ValueError at once for values that can
        never be logged; never raises for network problems.
        """
        if not isinstance(features, Mapping):
            raise TypeError(f"features: expected a mapping of column name to value, not {type(features).__name__}")
        record: Dict[str, Any] = {
            "features": {str(k): _scalar(v, f"features[{k!r}]", True) for k, v in features.items()},
            "prediction": _scalar(prediction, "prediction", False),
            "request_id": request_id if request_id is not None else str(uuid.uuid4()),
            "timestamp": int((time.time() if timestamp is None else timestamp) * 1000),
        }
        if label is not None:
            record["label"] = _scalar(label, "label", False)
        self._enqueue("predictions", record)
        return str(record["request_id"])

    def log_label(self, request_id: str, label: Any) -> None:
        """Queues the true label of a logged prediction; it is sent after the predictions queued before it."""
        if not request_id:
            raise ValueError("request_id is required")
        self._enqueue("labels", {"request_id": request_id, "label": _scalar(label, "label", False)})

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until everything queued before this call is sent, refused or dropped; False on timeout."""
        self._check_fork()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._counts["enqueued"]
            self._flush_waiters += 1
            self._cond.notify_all()
            try:
                while self._counts["settled"] < target:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                return True
            finally:
                self._flush_waiters -= 1

    def close(self, timeout: Optional[float] = 30.0) -> bool:
        """Sends what is queued (waiting up to ``timeout`` seconds, None: until sent), then stops the thread.

        Records still unsent then (the server down for longer) are dropped and counted; False in that case.
        """
        self._check_fork()
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=max(self._transport.timeout, 1.0) + 1.0)
        with self._cond:
            self._drop_all_pending("closed before they were sent")
        atexit.unregister(self._at_exit)
        return done

    def __enter__(self) -> "PredictionLogger":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def stats(self) -> LoggerStats:
        with self._cond:
            c = self._counts
            return LoggerStats(
                logged=c["logged"],
                labelled=c["labelled"],
                sent_predictions=c["sent_predictions"],
                sent_labels=c["sent_labels"],
                rejected=c["rejected"],
                dropped=c["dropped"],
                retries=c["retries"],
                pending=c["enqueued"] - c["settled"],
                last_error=self._last_error,
            )

    # --- state ---

    def _start_fresh(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._predictions: Deque[Dict[str, Any]] = deque()
        self._labels: Deque[Dict[str, Any]] = deque()
        self._inflight: List[Dict[str, Any]] = []
        self._counts = dict.fromkeys(
            ("enqueued", "settled", "logged", "labelled", "sent_predictions", "sent_labels", "rejected", "dropped", "retries"),
            0,
        )
        self._last_error: Optional[str] = None
        self._flush_waiters = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"bosun-monitoring-{self.model_name}", daemon=True)
        self._thread.start()

    def _check_fork(self) -> None:
        if self._pid != os.getpid():  # a forked child: the parent's thread and queue are not ours
            self._start_fresh()

    def _enqueue(self, kind: str, record: Dict[str, Any]) -> None:
        self._check_fork()  # before choosing the queue: a forked child gets new ones
        queue = self._predictions if kind == "predictions" else self._labels
        counter = "logged" if kind == "predictions" else "labelled"
        with self._cond:
            if self._closed:
                raise RuntimeError("this PredictionLogger is closed")
            self._counts[counter] += 1
            self._counts["enqueued"] += 1
            was_empty = not self._predictions and not self._labels
            queue.append(record)
            while len(self._predictions) + len(self._labels) > self._max_queue:
                oldest = self._predictions if self._predictions else self._labels
                oldest.popleft()
                self._settle("dropped", 1)
                self._last_error = "queue full: dropped the oldest record"
            if was_empty or len(queue) >= self._batch_size:
                self._cond.notify_all()

    def _settle(self, counter: str, n: int) -> None:
        """Counts n records as finished (sent, rejected or dropped); the caller holds the lock."""
        self._counts[counter] += n
        self._counts["settled"] += n
        self._cond.notify_all()

    def _drop_all_pending(self, why: str) -> None:
        n = len(self._predictions) + len(self._labels) + len(self._inflight)
        if n:
            self._predictions.clear()
            self._labels.clear()
            self._inflight = []
            self._settle("dropped", n)
            self._last_error = f"{n} record(s) {why}"
            log.warning("bosun_monitoring: %s record(s) of model %r %s", n, self.model_name, why)

    def _at_exit(self) -> None:
        if self._pid == os.getpid() and not self._closed:
            self.close(self._exit_timeout)

    # --- the background thread ---

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._predictions and not self._labels:
                    self._cond.wait()
                # The first record of a batch waits at most flush_interval for others to join it.
                deadline = time.monotonic() + self._flush_interval
                while not self._closed and self._flush_waiters == 0:
                    if len(self._predictions) >= self._batch_size or len(self._labels) >= self._batch_size:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                if self._closed and not self._predictions and not self._labels:
                    return
            self._send_queue(self._predictions, self._predictions_url, "records", "sent_predictions")
            with self._cond:
                predictions_left = bool(self._predictions)
            if not predictions_left:  # a label may name a prediction still queued
                self._send_queue(self._labels, self._labels_url, "labels", "sent_labels")
            with self._cond:
                if self._closed:
                    return

    def _send_queue(self, queue: Deque[Dict[str, Any]], url: str, field: str, sent: str) -> None:
        while True:
            with self._cond:
                if not queue or self._pid != os.getpid():
                    return
                n = min(len(queue), self._batch_size)
                self._inflight = [queue.popleft() for _ in range(n)]
            if not self._send_batch(url, field, sent):
                return

    def _send_batch(self, url: str, field: str, sent: str) -> bool:
        """Sends the in-flight batch until it is settled; False when the logger closed before that."""
        ambiguous = False  # an earlier attempt may have been stored
        attempt = 0
        while True:
            with self._cond:
                batch = self._inflight
                if not batch:
                    return True
            body: Dict[str, Any] = {field: batch}
            if field == "records":
                body.update(self._target)
            outcome = self._transport.post(url, body)
            refused: List[Dict[str, Any]] = []
            error = ""
            with self._cond:
                if self._inflight is not batch:
                    return False  # close() gave up on this batch while it was being sent
                if isinstance(outcome, Delivered):
                    self._inflight = []
                    self._settle(sent, len(batch))
                    return True
                if isinstance(outcome, Refused):
                    if outcome.already_logged and ambiguous:
                        # All or nothing: one record of ours stored means the earlier attempt stored them all.
                        self._inflight = []
                        self._settle(sent, len(batch))
                        return True
                    if outcome.index is not None and 0 <= outcome.index < len(batch):
                        refused = [batch[outcome.index]]
                        self._inflight = batch[: outcome.index] + batch[outcome.index + 1 :]
                    else:
                        refused, self._inflight = batch, []
                    self._last_error = f"HTTP {outcome.status}: {outcome.message}"
                    error = self._last_error
                else:
                    ambiguous = ambiguous or outcome.ambiguous
                    self._counts["retries"] += 1
                    self._last_error = outcome.reason
            if refused:
                self._report(error, refused)
                with self._cond:  # settled after the report, so flush() returns once on_error has run
                    self._settle("rejected", len(refused))
                attempt = 0
                continue
            assert isinstance(outcome, Retry)
            delay = min(self._max_backoff, self._backoff * 2**attempt) * random.uniform(0.5, 1.0)
            if outcome.retry_after is not None:
                delay = max(delay, min(outcome.retry_after, self._max_backoff))
            attempt += 1
            with self._cond:
                if self._closed:
                    return False
                self._cond.wait_for(lambda: self._closed, timeout=delay)
                if self._closed:
                    return False

    def _report(self, message: str, records: List[Dict[str, Any]]) -> None:
        log.warning("bosun_monitoring: %s record(s) of model %r refused: %s", len(records), self.model_name, message)
        if self._on_error is not None:
            try:
                self._on_error(message, records)
            except Exception:  # the handler's own failure must not stop the sending thread
                log.exception("bosun_monitoring: on_error raised")
