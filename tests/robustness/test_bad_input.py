"""Bad input against the MLflow routes and the artifact routes: every case gets a 4xx MLflow-shaped JSON error
(`{"error_code", "message"}`) with the right code, never a 5xx, and a rejected write leaves nothing behind.

Sources for the cases: shared/reference/security.md sections 1.B, 1.C, 5 and 7; shared/reference/mlflow-api.md
sections 2 and 4; MLflow's mlflow/utils/validation.py (limits: 1000 metrics, 100 params, 100 tags, 1000 entities
per batch; keys <= 250 chars, rejected above; param values <= 6000 and run tag values <= 8000 chars, truncated
above by MLflow by default; experiment tag values <= 5000 and names <= 500, rejected above).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from robustness_support import (
    ARTIFACTS_API,
    PATIENCE_S,
    SYNTAX_CODES,
    Api,
    BosunServer,
    assert_error,
    assert_not_5xx,
    describe,
    metric,
    now_ms,
    raw_request,
    send_oversized,
)

IPV = "INVALID_PARAMETER_VALUE"
NOT_FOUND_CODES = {"RESOURCE_DOES_NOT_EXIST", "ENDPOINT_NOT_FOUND"}


@pytest.fixture(scope="module")
def exp_id(api: Api) -> str:
    return api.create_experiment(f"bad-input-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def run_id(api: Api, exp_id: str) -> str:
    return api.create_run(exp_id)


def assert_nothing_written(api: Api, run_id: str) -> None:
    data = api.run_data(run_id)
    assert data["metrics"] == [], f"rejected request still wrote metrics: {data['metrics'][:5]}"
    assert data["params"] == [], f"rejected request still wrote params: {data['params'][:5]}"
    tags = api.user_tags(run_id)
    assert tags == [], f"rejected request still wrote tags: {tags[:5]}"


def good_items() -> dict[str, Any]:
    """Valid items sent beside the bad one, so that a partial write would show."""
    return {
        "metrics": [metric("good_metric", 1.5, 0)],
        "params": [{"key": "good_param", "value": "v"}],
        "tags": [{"key": "good_tag", "value": "v"}],
    }


# ------------------------------------------------------------------------------------------------------------
# 1. Malformed JSON and non-object bodies


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


MALFORMED_BODIES: dict[str, str] = {
    "truncated": '{"run_id": "RUN", "metrics": [',
    "not-json": "not json at all",
    "empty": "",
    "array": "[]",
    "array-of-object": '[{"run_id": "RUN"}]',
    "string": '"RUN"',
    "number": "42",
    "null": "null",
    "true": "true",
    "trailing-garbage": '{"run_id": "RUN"} trailing',
    "single-quotes": "{'run_id': 'RUN'}",
    "nan-literal-value": '{"run_id": "RUN", "metrics": [{"key": "m", "value": NaN, "timestamp": 1, "step": 0}]}',
    "infinity-literal-value": '{"run_id": "RUN", "metrics": [{"key": "m", "value": Infinity, "timestamp": 1, "step": 0}]}',
    "nan-literal-step": '{"run_id": "RUN", "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": NaN}]}',
    "nested-1e4": '{"run_id": "RUN", "metrics": ' + _nested(10_000) + "}",
    "nested-1e5": '{"run_id": "RUN", "metrics": ' + _nested(100_000) + "}",
}


@pytest.mark.parametrize("name", list(MALFORMED_BODIES))
def test_malformed_body_log_batch(api: Api, run_id: str, name: str) -> None:
    resp = api.post_raw("runs/log-batch", MALFORMED_BODIES[name].replace("RUN", run_id))
    assert_error(resp, 400, SYNTAX_CODES)
    assert_nothing_written(api, run_id)


# A field each endpoint knows, to carry the deep nesting (unknown fields may be ignored).
NESTING_FIELD = {"experiments/create": "tags", "runs/create": "tags", "runs/log-metric": "value", "runs/search": "experiment_ids"}


@pytest.mark.parametrize("endpoint", list(NESTING_FIELD))
@pytest.mark.parametrize("name", ["truncated", "array", "string", "null", "nested-1e4"])
def test_malformed_body_other_endpoints(api: Api, endpoint: str, name: str) -> None:
    body = MALFORMED_BODIES[name].replace("RUN", "0" * 32).replace('"metrics"', f'"{NESTING_FIELD[endpoint]}"')
    resp = api.post_raw(endpoint, body)
    assert_error(resp, 400, SYNTAX_CODES)


def test_invalid_utf8_in_key(api: Api, run_id: str) -> None:
    body = ('{"run_id": "%s", "metrics": [{"key": "bad' % run_id).encode() + b"\xff\xfe" + (
        b'", "value": 1, "timestamp": 1, "step": 0}], "params": [{"key": "p", "value": "v"}]}'
    )
    resp = api.post_raw("runs/log-batch", body)
    assert_error(resp, 400, SYNTAX_CODES)
    assert_nothing_written(api, run_id)


def test_duplicate_json_keys_do_not_break_anything(api: Api, exp_id: str) -> None:
    run_a, run_b = api.create_run(exp_id), api.create_run(exp_id)
    body = '{"run_id": "%s", "run_id": "%s", "params": [{"key": "dup", "value": "x"}]}' % (run_a, run_b)
    resp = api.post_raw("runs/log-batch", body)
    assert_not_5xx(resp)
    written = [r for r in (run_a, run_b) if api.run_data(r)["params"]]
    if resp.status_code == 200:
        assert len(written) == 1, f"one request wrote to {len(written)} runs: {describe(resp)}"
    else:
        assert written == [], f"rejected request still wrote: {describe(resp)}"


# ------------------------------------------------------------------------------------------------------------
# 2. Wrong types in log-batch (each bad batch also carries valid items; nothing may be written)

BIG = 2**64

WRONG_TYPES: dict[str, dict[str, Any]] = {
    "metric-value-word": {"metrics": [metric("m", "abc")]},
    "metric-value-object": {"metrics": [metric("m", {"x": 1})]},
    "metric-value-array": {"metrics": [metric("m", [1])]},
    "metric-value-bool": {"metrics": [metric("m", True)]},
    "metric-value-null": {"metrics": [metric("m", None)]},
    "metric-key-object": {"metrics": [{"key": {"a": 1}, "value": 1, "timestamp": 1, "step": 0}]},
    "metric-key-array": {"metrics": [{"key": ["a"], "value": 1, "timestamp": 1, "step": 0}]},
    "timestamp-word": {"metrics": [metric("m", 1, 0, "abc")]},
    "timestamp-negative": {"metrics": [metric("m", 1, 0, -1)]},
    "timestamp-fraction": {"metrics": [metric("m", 1, 0, 1.5)]},
    "timestamp-nan": {"metrics": [metric("m", 1, 0, "NaN")]},
    "timestamp-infinity": {"metrics": [metric("m", 1, 0, "Infinity")]},
    "timestamp-int64-overflow": {"metrics": [metric("m", 1, 0, BIG)]},
    "step-nan": {"metrics": [metric("m", 1, "NaN")]},
    "step-infinity": {"metrics": [metric("m", 1, "-Infinity")]},
    "step-fraction": {"metrics": [metric("m", 1, 1.5)]},
    "step-bool-string": {"metrics": [metric("m", 1, "true")]},
    "step-object": {"metrics": [metric("m", 1, {})]},
    "step-1e300": {"metrics": [metric("m", 1, 1e300)]},
    "step-int64-overflow": {"metrics": [metric("m", 1, BIG)]},
    "metrics-object": {"metrics": {"key": "m", "value": 1, "timestamp": 1, "step": 0}},
    "metrics-string": {"metrics": "m=1"},
    "metrics-null-item": {"metrics": [None]},
    "metrics-string-item": {"metrics": ["m"]},
    "params-string": {"params": "a=b"},
    "param-value-object": {"params": [{"key": "p", "value": {"a": 1}}]},
    "param-value-array": {"params": [{"key": "p", "value": ["a"]}]},
    "param-key-object": {"params": [{"key": {"a": 1}, "value": "v"}]},
    "tag-key-array": {"tags": [{"key": ["t"], "value": "v"}]},
    "tag-value-object": {"tags": [{"key": "t", "value": {"v": 1}}]},
}


@pytest.mark.parametrize("name", list(WRONG_TYPES))
def test_wrong_types_in_log_batch(api: Api, run_id: str, name: str) -> None:
    body: dict[str, Any] = {"run_id": run_id}
    good = good_items()
    for part in ("metrics", "params", "tags"):
        bad = WRONG_TYPES[name].get(part)
        body[part] = good[part] + bad if isinstance(bad, list) else (bad if bad is not None else good[part])
    resp = api.post("runs/log-batch", body)
    assert_error(resp, 400, IPV)
    assert_nothing_written(api, run_id)


@pytest.mark.parametrize("run_ref", [{"x": 1}, ["a"], 12.5, True])
def test_run_id_of_wrong_type(api: Api, run_ref: Any) -> None:
    resp = api.post("runs/log-batch", {"run_id": run_ref, "metrics": [metric("m")]})
    assert_error(resp, 400, IPV)


# ------------------------------------------------------------------------------------------------------------
# 3. Missing required fields


@pytest.mark.parametrize(
    "missing",
    ["metric-key", "metric-value", "metric-timestamp", "param-key", "tag-key"],
)
def test_missing_required_field_in_batch_item(api: Api, run_id: str, missing: str) -> None:
    body: dict[str, Any] = {"run_id": run_id, **good_items()}
    if missing.startswith("metric-"):
        item = metric("m", 2.0, 1)
        del item[missing.split("-")[1]]
        body["metrics"] = body["metrics"] + [item]
    elif missing == "param-key":
        body["params"] = body["params"] + [{"value": "v"}]
    else:
        body["tags"] = body["tags"] + [{"value": "v"}]
    resp = api.post("runs/log-batch", body)
    assert_error(resp, 400, IPV)
    assert_nothing_written(api, run_id)


def test_log_batch_without_run_id(api: Api) -> None:
    assert_error(api.post("runs/log-batch", {"metrics": [metric("m")]}), 400, IPV)


@pytest.mark.parametrize(
    "endpoint,body",
    [
        ("experiments/create", {}),
        ("experiments/create", {"name": ""}),
        ("experiments/create", {"name": None}),
        ("runs/log-metric", {"value": 1, "timestamp": 1, "step": 0}),
        ("runs/log-parameter", {"value": "v"}),
        ("runs/set-tag", {"value": "v"}),
        ("runs/update", {"status": "FINISHED"}),
        ("experiments/delete", {}),
        ("experiments/set-experiment-tag", {"key": "k", "value": "v"}),
    ],
)
def test_missing_required_post_fields(api: Api, run_id: str, endpoint: str, body: dict[str, Any]) -> None:
    if endpoint.startswith("runs/") and endpoint != "runs/update":
        body = {"run_id": run_id, **body}
    resp = api.post(endpoint, body)
    assert_error(resp, 400, IPV)
    if endpoint.startswith("runs/"):
        assert_nothing_written(api, run_id)


@pytest.mark.parametrize(
    "endpoint,params",
    [
        ("runs/get", {}),
        ("experiments/get", {}),
        ("experiments/get-by-name", {}),
        ("metrics/get-history", {"run_id": "RUN"}),
        ("metrics/get-history", {"metric_key": "m"}),
    ],
)
def test_missing_required_query_params(api: Api, run_id: str, endpoint: str, params: dict[str, str]) -> None:
    params = {k: (run_id if v == "RUN" else v) for k, v in params.items()}
    assert_error(api.get(endpoint, params), 400, IPV)


# ------------------------------------------------------------------------------------------------------------
# 4. log-batch limits and key/value rules


def metrics_n(n: int, keys: int = 10) -> list[dict[str, Any]]:
    ts = now_ms()
    return [metric(f"m{i % keys}", float(i), i // keys, ts) for i in range(n)]


@pytest.mark.parametrize(
    "name,batch",
    [
        ("1001-metrics", {"metrics": metrics_n(1001)}),
        ("101-params", {"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]}),
        ("101-tags", {"tags": [{"key": f"t{i}", "value": "v"} for i in range(101)]}),
        (
            "1001-entities",
            {"metrics": metrics_n(901), "params": [{"key": f"p{i}", "value": "v"} for i in range(100)]},
        ),
        (
            "1001-entities-all-kinds",
            {
                "metrics": metrics_n(801),
                "params": [{"key": f"p{i}", "value": "v"} for i in range(100)],
                "tags": [{"key": f"t{i}", "value": "v"} for i in range(100)],
            },
        ),
        ("duplicate-param-keys", {"params": [{"key": "p", "value": "1"}, {"key": "p", "value": "2"}]}),
    ],
)
def test_batch_limits_are_enforced_atomically(api: Api, run_id: str, name: str, batch: dict[str, Any]) -> None:
    resp = api.post("runs/log-batch", {"run_id": run_id, **batch})
    assert_error(resp, 400, IPV)
    assert_nothing_written(api, run_id)


def test_batch_at_the_limits_is_accepted(api: Api, run_id: str) -> None:
    resp = api.log_batch(
        run_id,
        metrics=metrics_n(800, keys=8),
        params=[{"key": f"p{i}", "value": "v"} for i in range(100)],
        tags=[{"key": f"t{i}", "value": "v"} for i in range(100)],
    )
    api.ok(resp)
    data = api.run_data(run_id)
    assert len(data["params"]) == 100
    assert len(api.user_tags(run_id)) == 100
    assert len(api.history(run_id, "m0")) == 100


def test_1000_metrics_are_accepted(api: Api, run_id: str) -> None:
    api.ok(api.log_batch(run_id, metrics=metrics_n(1000, keys=4)))
    assert [len(api.history(run_id, f"m{k}")) for k in range(4)] == [250] * 4


def test_bad_item_last_in_a_full_batch_writes_nothing(api: Api, run_id: str) -> None:
    metrics = metrics_n(999) + [metric("bad;key")]
    resp = api.log_batch(run_id, metrics=metrics, params=[{"key": "p", "value": "v"}])
    assert_error(resp, 400, IPV)
    assert_nothing_written(api, run_id)


def test_param_conflict_rolls_back_the_whole_batch(api: Api, run_id: str) -> None:
    api.ok(api.post("runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"}))
    resp = api.log_batch(
        run_id,
        metrics=[metric("loss", 0.5, 0)],
        params=[{"key": "other", "value": "x"}, {"key": "lr", "value": "0.2"}],
        tags=[{"key": "t", "value": "v"}],
    )
    assert_error(resp, 400, IPV)
    data = api.run_data(run_id)
    assert data["params"] == [{"key": "lr", "value": "0.1"}], data["params"]
    assert data["metrics"] == [], data["metrics"]
    assert api.user_tags(run_id) == []


LONG_KEY = "k" * 251


@pytest.mark.parametrize(
    "part,item",
    [
        ("metrics", metric(LONG_KEY)),
        ("params", {"key": LONG_KEY, "value": "v"}),
        ("tags", {"key": LONG_KEY, "value": "v"}),
    ],
)
def test_key_over_250_chars_in_batch(api: Api, run_id: str, part: str, item: dict[str, Any]) -> None:
    body: dict[str, Any] = {"run_id": run_id, **good_items()}
    body[part] = body[part] + [item]
    assert_error(api.post("runs/log-batch", body), 400, IPV)
    assert_nothing_written(api, run_id)


@pytest.mark.parametrize(
    "endpoint,body",
    [
        ("runs/log-metric", {"key": LONG_KEY, "value": 1, "timestamp": 1, "step": 0}),
        ("runs/log-parameter", {"key": LONG_KEY, "value": "v"}),
        ("runs/set-tag", {"key": LONG_KEY, "value": "v"}),
    ],
)
def test_key_over_250_chars_single_endpoints(api: Api, run_id: str, endpoint: str, body: dict[str, Any]) -> None:
    assert_error(api.post(endpoint, {"run_id": run_id, **body}), 400, IPV)
    assert_nothing_written(api, run_id)


def test_key_of_250_chars_is_accepted(api: Api, run_id: str) -> None:
    key = "k" * 250
    api.ok(api.log_batch(run_id, metrics=[metric(key)], params=[{"key": key, "value": "v"}]))
    assert len(api.history(run_id, key)) == 1


@pytest.mark.parametrize(
    "key",
    ["", "a;b", "../x", "x/../y", "/abs", "a//b", ".", "x/", "a'b", 'a"b', "a\x00b", "a\nb", "a\\b", "a*b"],
)
def test_invalid_key_characters(api: Api, run_id: str, key: str) -> None:
    body = {"run_id": run_id, **good_items()}
    body["metrics"] = body["metrics"] + [metric(key)]
    assert_error(api.post("runs/log-batch", body), 400, IPV)
    assert_nothing_written(api, run_id)


@pytest.mark.parametrize("part,limit", [("params", 6000), ("tags", 8000)])
def test_value_over_limit_is_truncated_or_rejected(api: Api, run_id: str, part: str, limit: int) -> None:
    """MLflow truncates over-long param (6000) and run tag (8000) values by default; rejecting is also safe.
    Either way the stored value never exceeds the limit and a rejection writes nothing."""
    value = "v" * (limit + 1)
    resp = api.post("runs/log-batch", {"run_id": run_id, part: [{"key": "long", "value": value}]})
    if resp.status_code == 200:
        items = api.run_data(run_id)[part] if part == "params" else api.user_tags(run_id)
        stored = [i["value"] for i in items if i["key"] == "long"]
        assert stored == ["v" * limit], f"expected truncation to {limit} chars, got {[len(s) for s in stored]}"
    else:
        assert_error(resp, 400, IPV)
        assert_nothing_written(api, run_id)


@pytest.mark.parametrize("part,limit", [("params", 6000), ("tags", 8000)])
def test_value_at_limit_is_kept_whole(api: Api, run_id: str, part: str, limit: int) -> None:
    value = "w" * limit
    api.ok(api.post("runs/log-batch", {"run_id": run_id, part: [{"key": "edge", "value": value}]}))
    items = api.run_data(run_id)[part] if part == "params" else api.user_tags(run_id)
    assert [i["value"] for i in items if i["key"] == "edge"] == [value]


@pytest.mark.parametrize("length", [501, 1_000_000])
def test_experiment_name_too_long(api: Api, length: int) -> None:
    name = "e" * length
    resp = api.post("experiments/create", {"name": name})
    assert_error(resp, 400, IPV)


def test_experiment_tag_value_too_long(api: Api, exp_id: str) -> None:
    resp = api.post("experiments/set-experiment-tag", {"experiment_id": exp_id, "key": "k", "value": "x" * 5001})
    assert_error(resp, 400, IPV)
    exp = api.ok(api.get("experiments/get", {"experiment_id": exp_id}))["experiment"]
    assert all(t["key"] != "k" for t in exp.get("tags", [])), exp.get("tags")


# ------------------------------------------------------------------------------------------------------------
# 5. Oversized bodies


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_100_mb_body_gets_413_json(api: Api, server: BosunServer, chunked: bool) -> None:
    # The body is never completed (see send_oversized): a 413 is an answer that did not wait for all of it.
    total = 100 * 1024 * 1024
    status, body, sent = send_oversized(server.url, "/api/2.0/mlflow/runs/log-batch", total, chunked=chunked)
    what = (
        f"POST runs/log-batch with a 100 MB {'chunked ' if chunked else ''}JSON body, answered after "
        f"{sent} of its {total} bytes -> {status} {body[:300]!r}"
    )
    assert status == 413, what
    parsed = json.loads(body)
    assert isinstance(parsed, dict) and isinstance(parsed.get("error_code"), str), what
    assert isinstance(parsed.get("message"), str), what
    assert requests.get(f"{server.url}/health", timeout=PATIENCE_S).status_code == 200


# ------------------------------------------------------------------------------------------------------------
# 6. Unknown endpoints and methods


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/2.0/mlflow/does-not-exist"),
        ("POST", "/api/2.0/mlflow/runs/does-not-exist"),
        ("GET", "/api/2.0/mlflow/runs/get/extra"),
        ("DELETE", "/api/2.0/mlflow/experiments/nope"),
        ("GET", "/api/9.9/mlflow/runs/get"),
        ("GET", "/api/2.0/mlflow-artifacts/nope"),
        ("POST", "/ajax-api/2.0/mlflow/nope"),
        ("GET", "/api/2.0/mlflow/%2e%2e/%2e%2e/health"),
    ],
)
def test_unknown_endpoint_is_json_404(server: BosunServer, method: str, path: str) -> None:
    body = b"{}" if method != "GET" else None
    resp = raw_request(server.url, method, path, body, {"Content-Type": "application/json"} if body else None)
    assert_error(resp, 404, "ENDPOINT_NOT_FOUND")


@pytest.mark.parametrize("method,path", [("GET", "runs/log-batch"), ("PUT", "runs/create"), ("GET", "runs/update")])
def test_wrong_method_is_json_error(server: BosunServer, method: str, path: str) -> None:
    resp = raw_request(server.url, method, f"/api/2.0/mlflow/{path}")
    assert resp.status in (404, 405), resp.describe()
    assert_error(resp, resp.status, "ENDPOINT_NOT_FOUND" if resp.status == 404 else None)


# ------------------------------------------------------------------------------------------------------------
# 7. NaN and infinities: accepted as metric values (as MLflow's strings), returned faithfully

MAX_DOUBLE = 1.7976931348623157e308


def test_nan_and_infinity_values_are_accepted(api: Api, run_id: str) -> None:
    ts = now_ms()
    api.ok(
        api.log_batch(
            run_id,
            metrics=[metric("nan", "NaN", 0, ts), metric("pinf", "Infinity", 0, ts), metric("ninf", "-Infinity", 0, ts)],
        )
    )
    api.ok(api.post("runs/log-metric", {"run_id": run_id, "key": "nan1", "value": "NaN", "timestamp": ts, "step": 1}))
    assert [m["value"] for m in api.history(run_id, "nan")] == ["NaN"]
    assert [m["value"] for m in api.history(run_id, "nan1")] == ["NaN"]
    (pinf,) = [m["value"] for m in api.history(run_id, "pinf")]
    (ninf,) = [m["value"] for m in api.history(run_id, "ninf")]
    assert pinf == "Infinity" or (isinstance(pinf, (int, float)) and pinf >= MAX_DOUBLE), pinf
    assert ninf == "-Infinity" or (isinstance(ninf, (int, float)) and ninf <= -MAX_DOUBLE), ninf
    latest = {m["key"]: m["value"] for m in api.run_data(run_id)["metrics"]}
    assert latest.get("nan") == "NaN", latest


# ------------------------------------------------------------------------------------------------------------
# 8. max_results bounds


@pytest.mark.parametrize("max_results", [50_001, 123_456_789, -1, 2**63, "abc", 1.5, {"x": 1}])
def test_runs_search_max_results_out_of_range(api: Api, exp_id: str, max_results: Any) -> None:
    resp = api.post("runs/search", {"experiment_ids": [exp_id], "max_results": max_results})
    assert_error(resp, 400, IPV)


def test_runs_search_max_results_edges(api: Api, exp_id: str) -> None:
    api.ok(api.post("runs/search", {"experiment_ids": [exp_id], "max_results": 50_000}))
    assert_not_5xx(api.post("runs/search", {"experiment_ids": [exp_id], "max_results": 0}))


@pytest.mark.parametrize("max_results", [50_001, -1, "abc"])
def test_experiments_search_max_results_out_of_range(api: Api, max_results: Any) -> None:
    assert_error(api.post("experiments/search", {"max_results": max_results}), 400, IPV)


@pytest.mark.parametrize("max_results", ["-1", "abc", "1.5"])
def test_get_history_max_results_invalid(api: Api, run_id: str, max_results: str) -> None:
    resp = api.get("metrics/get-history", {"run_id": run_id, "metric_key": "m", "max_results": max_results})
    assert_error(resp, 400, IPV)


def test_get_history_huge_max_results_is_capped_or_rejected(api: Api, run_id: str) -> None:
    api.ok(api.log_batch(run_id, metrics=[metric("m", 1.0, s) for s in range(3)]))
    resp = api.get("metrics/get-history", {"run_id": run_id, "metric_key": "m", "max_results": str(2**70)})
    if resp.status_code == 200:
        assert len(resp.json().get("metrics", [])) == 3, describe(resp)
    else:
        assert_error(resp, 400, IPV)


# ------------------------------------------------------------------------------------------------------------
# 9. Page tokens


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


BAD_TOKENS = {
    "garbage": "garbage!!",
    "percent": "%%%",
    "negative-offset": _b64(b'{"offset": -1}'),
    "string-offset": _b64(b'{"offset": "1; DROP TABLE runs"}'),
    "huge-offset-literal": _b64(b'{"offset": 1e999}'),
    "fraction-offset": _b64(b'{"offset": 0.5}'),
    "not-json": _b64(b"not json at all"),
    "array": _b64(b"[]"),
    "null": _b64(b"null"),
    "nul": "\x00",
    "huge": "A" * 100_000 + "!",
}


@pytest.fixture(scope="module")
def paged_experiment(api: Api) -> tuple[str, str]:
    """An experiment with three runs and a real page token for the second page (max_results=1)."""
    exp = api.create_experiment(f"paged-{uuid.uuid4().hex[:8]}")
    for _ in range(3):
        api.create_run(exp)
    first = api.ok(api.post("runs/search", {"experiment_ids": [exp], "max_results": 1}))
    token = first.get("next_page_token")
    assert token, f"runs/search with 3 runs and max_results=1 returned no next_page_token: {first}"
    return exp, token


def test_real_page_token_works(api: Api, paged_experiment: tuple[str, str]) -> None:
    exp, token = paged_experiment
    page = api.ok(api.post("runs/search", {"experiment_ids": [exp], "max_results": 1, "page_token": token}))
    assert len(page.get("runs", [])) == 1


@pytest.mark.parametrize("name", list(BAD_TOKENS) + ["reversed-real", "truncated-real"])
def test_runs_search_bad_page_token(api: Api, paged_experiment: tuple[str, str], name: str) -> None:
    exp, real = paged_experiment
    token = {"reversed-real": real[::-1], "truncated-real": real[: len(real) // 2] + "@"}.get(name) or BAD_TOKENS[name]
    resp = api.post("runs/search", {"experiment_ids": [exp], "max_results": 1, "page_token": token})
    assert_error(resp, 400, IPV)


@pytest.mark.parametrize("name", ["garbage", "negative-offset", "not-json", "huge"])
def test_experiments_search_bad_page_token(api: Api, name: str) -> None:
    assert_error(api.post("experiments/search", {"max_results": 1, "page_token": BAD_TOKENS[name]}), 400, IPV)


@pytest.mark.parametrize("name", ["garbage", "negative-offset", "string-offset", "not-json"])
def test_get_history_bad_page_token(api: Api, run_id: str, name: str) -> None:
    api.ok(api.log_batch(run_id, metrics=[metric("m", 1.0, s) for s in range(3)]))
    resp = api.get("metrics/get-history", {"run_id": run_id, "metric_key": "m", "page_token": BAD_TOKENS[name]})
    assert_error(resp, 400, IPV)


# ------------------------------------------------------------------------------------------------------------
# 10. Filter strings: syntax errors and SQL fragments are 400s; the tables stay intact

BAD_FILTERS = [
    "metrics.a > 1; DROP TABLE runs",
    "params.x = '' OR 1=1 --",
    "attributes.run_id = '1' OR 1=1 --",
    "params.x = 'unbalanced",
    'params.x = "unbalanced',
    "params.x = 'a' UNION SELECT * FROM runs",
    "params.x = 'a'; DELETE FROM metrics; --",
    "metrics.a >",
    "metrics.a > 'abc'",
    "metrics.a >> 1",
    "params.x == 'a'",
    "params.x = 'a' AND",
    "AND params.x = 'a'",
    "(params.x = 'a')",
    "params.x = 'a' OR params.y = 'b'",
    "nosuchentity.x = 'a'",
    "attributes.nosuch = 'a'",
    "params.x IN ('a'",
    "metrics. > 1",
    "params.x = 'a' -- comment",
    "params.x = 'a' /* comment */",
    "1=1",
    "params.x",
]


@pytest.fixture(scope="module")
def filter_run(api: Api, exp_id: str) -> str:
    """A run whose param value looks like SQL, to prove literals are parameters, not SQL text."""
    run = api.create_run(exp_id)
    api.ok(api.log_batch(run, metrics=[metric("a", 2.0)], params=[{"key": "x", "value": "'; DROP TABLE runs; --"}]))
    return run


def _table_counts(server: BosunServer) -> dict[str, int]:
    tables = [r[0] for r in server.backend.query(_TABLES_SQL[server.backend.kind])]
    return {t: int(server.backend.query(f'SELECT count(*) FROM "{t}"')[0][0]) for t in tables if t in _CORE_TABLES}


_CORE_TABLES = {"experiments", "runs", "params", "tags", "metrics", "latest_metrics", "experiment_tags"}
_TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
}


@pytest.mark.parametrize("flt", BAD_FILTERS)
def test_bad_filter_is_400_and_tables_intact(
    api: Api, server: BosunServer, exp_id: str, filter_run: str, flt: str
) -> None:
    before = _table_counts(server)
    assert set(before) == _CORE_TABLES, f"core tables missing before the test: {sorted(before)}"
    resp = api.post("runs/search", {"experiment_ids": [exp_id], "filter": flt, "max_results": 100})
    assert_error(resp, 400, IPV)
    after = _table_counts(server)
    assert after == before, f"filter {flt!r} changed the tables: {before} -> {after}"
    assert api.get_run(filter_run)["info"]["run_id"] == filter_run


@pytest.mark.parametrize(
    "flt", ["name = 'a' OR 1=1 --", "name = 'unbalanced", "creation_time > 'x'", "tags.x = 'a'; DROP TABLE experiments"]
)
def test_bad_experiment_filter_is_400(api: Api, flt: str) -> None:
    assert_error(api.post("experiments/search", {"filter": flt, "max_results": 10}), 400, IPV)


def test_sql_looking_literal_is_only_data(api: Api, exp_id: str, filter_run: str) -> None:
    resp = api.ok(
        api.post(
            "runs/search",
            {"experiment_ids": [exp_id], "filter": "params.x = \"'; DROP TABLE runs; --\"", "max_results": 100},
        )
    )
    assert [r["info"]["run_id"] for r in resp.get("runs", [])] == [filter_run]


def test_huge_filters_do_not_fail_the_server(api: Api, exp_id: str, filter_run: str) -> None:
    """Each huge filter is refused with a clear 400 or answered correctly; no duration is asserted (a busy machine
    is slow, not wrong): a filter that hung the server would fail at the request timeout."""
    clauses = " AND ".join(f"params.x != 'v{i}'" for i in range(10_000))
    cases = [
        (clauses, [filter_run]),  # x is none of v0..v9999
        ("params.x LIKE '" + "%" * 10_000 + "'", [filter_run]),  # matches any value
        ("params.x = '" + "a" * 1_000_000 + "'", []),
    ]
    for flt, expected in cases:
        resp = api.post("runs/search", {"experiment_ids": [exp_id], "filter": flt, "max_results": 10})
        if resp.status_code == 400:
            assert_error(resp, 400, IPV)
            continue
        found = [r["info"]["run_id"] for r in api.ok(resp).get("runs", [])]
        assert found == expected, f"filter of {len(flt)} chars found {found}, expected {expected}"
    assert api.get_run(filter_run)["info"]["run_id"] == filter_run


# ------------------------------------------------------------------------------------------------------------
# 11. Identifiers


@pytest.mark.parametrize("experiment_id", ["abc", "1 OR 1=1", "1; DROP TABLE experiments", "0x10", "1.5"])
def test_non_integer_experiment_id(api: Api, experiment_id: str) -> None:
    assert_error(api.get("experiments/get", {"experiment_id": experiment_id}), 400, IPV)
    assert_error(api.post("runs/create", {"experiment_id": experiment_id, "start_time": now_ms()}), 400, IPV)


@pytest.mark.parametrize("experiment_id", ["-1", "99999999999999999999999999", "2147483648"])
def test_out_of_range_experiment_id(api: Api, experiment_id: str) -> None:
    resp = api.get("experiments/get", {"experiment_id": experiment_id})
    assert_error(resp, {400, 404}, IPV if resp.status_code == 400 else "RESOURCE_DOES_NOT_EXIST")


@pytest.mark.parametrize("ref", ["' OR 1=1 --", "../../etc/passwd", "x" * 300, "%00", "0" * 32])
def test_unknown_or_malformed_run_id(api: Api, ref: str) -> None:
    for resp in (api.get("runs/get", {"run_id": ref}), api.log_batch(ref, metrics=[metric("m")])):
        assert_error(resp, {400, 404}, IPV if resp.status_code == 400 else "RESOURCE_DOES_NOT_EXIST")
    # MLflow answers an empty history for an unknown run; an error is as good.
    resp = api.get("metrics/get-history", {"run_id": ref, "metric_key": "m"})
    if resp.status_code == 200:
        assert resp.json().get("metrics", []) == [], describe(resp)
    else:
        assert_error(resp, {400, 404}, IPV if resp.status_code == 400 else "RESOURCE_DOES_NOT_EXIST")


# ------------------------------------------------------------------------------------------------------------
# 12. Artifact paths: traversal in every spelling; nothing outside the artifact root is read, written or deleted


def _fingerprint(root: Path, skip: Path) -> dict[str, tuple[int, int, str]]:
    out: dict[str, tuple[int, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == skip or skip in Path(dirpath).parents:
            dirnames[:] = []
            continue
        for f in filenames:
            p = Path(dirpath) / f
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        out.update({str((Path(dirpath) / d).relative_to(root)) + "/": (0, 0, "") for d in dirnames})
    return out


class ArtifactWorld:
    """Canary files one and two levels above the artifact root, and a run with a legitimately uploaded file."""

    def __init__(self, api: Api, server: BosunServer, exp_id: str):
        self.api, self.server = api, server
        self.root = server.artifacts_dir
        self.outer = self.root.parent.parent  # <tmp>/outer; the root is <tmp>/outer/srv/artifacts
        self.token = f"CANARY-{uuid.uuid4().hex}"
        self.canaries = [self.root.parent / "canary.txt", self.outer / "canary.txt"]
        for c in self.canaries:
            c.write_text(self.token)
        self.run_id = api.create_run(exp_id)
        self.other_run = api.create_run(exp_id)
        self.rel = self._rel(self.run_id)
        self.other_rel = self._rel(self.other_run)
        self.content = b"legit artifact " + uuid.uuid4().hex.encode()

    def _rel(self, run_id: str) -> str:
        uri = self.api.get_run(run_id)["info"]["artifact_uri"]
        assert uri.startswith("mlflow-artifacts:"), f"run artifact_uri is not proxied: {uri}"
        return uri[len("mlflow-artifacts:") :].lstrip("/")

    def fingerprint(self) -> dict[str, tuple[int, int, str]]:
        return _fingerprint(self.outer, self.root)

    def request(self, method: str, target: str, body: bytes | None = None) -> Any:
        headers = {"Content-Type": "application/octet-stream"} if body is not None else None
        return raw_request(self.server.url, method, target, body, headers)


@pytest.fixture(scope="module")
def world(api: Api, server: BosunServer, exp_id: str) -> ArtifactWorld:
    return ArtifactWorld(api, server, exp_id)


@pytest.fixture
def fs_guard(world: ArtifactWorld):  # type: ignore[no-untyped-def]
    """Fails the test when anything outside the artifact root changed (canaries read back unchanged)."""
    before = world.fingerprint()
    yield
    after = world.fingerprint()
    assert after == before, f"files outside the artifact root changed: {set(before) ^ set(after) or 'contents'}"
    for c in world.canaries:
        assert c.read_text() == world.token


def test_artifact_round_trip_positive_control(world: ArtifactWorld) -> None:
    for rel in (world.rel, world.other_rel):
        put = world.request("PUT", f"{ARTIFACTS_API}/{rel}/keep/file.txt", world.content)
        assert put.status == 200, put.describe()
    got = world.request("GET", f"{ARTIFACTS_API}/{world.rel}/keep/file.txt")
    assert got.status == 200 and got.body == world.content, got.describe()
    listed = world.request("GET", f"{ARTIFACTS_API}?path={world.rel}/keep")
    assert listed.status == 200, listed.describe()
    assert [f["path"] for f in listed.json().get("files", [])] == ["file.txt"], listed.describe()


def traversal_paths(world: ArtifactWorld, name: str) -> dict[str, str]:
    """Spellings of "<run artifacts>/../../../../<name>" (lands one level above the root) and friends."""
    rel, abs_target = world.rel, str(world.root.parent / name)
    return {
        "dotdot": f"{rel}/" + "../" * 4 + name,
        "dotdot-from-root": "../" + name,
        "dotdot-deeper": f"{rel}/" + "../" * 12 + name,
        "enc-dots": f"{rel}/" + "%2e%2e/" * 4 + name,
        "enc-dots-upper": f"{rel}/" + "%2E%2E/" * 4 + name,
        "half-enc-dots": f"{rel}/" + ".%2e/" * 4 + name,
        "enc-slash": f"{rel}/" + "..%2f" * 4 + name,
        "double-enc-dots": f"{rel}/" + "%252e%252e/" * 4 + name,
        "double-enc-all": f"{rel}/" + "%252e%252e%252f" * 4 + name,
        "triple-enc": f"{rel}/" + "%25252e%25252e%25252f" * 4 + name,
        "backslash": f"{rel}/" + "..\\" * 4 + name,
        "enc-backslash": f"{rel}/" + "..%5c" * 4 + name,
        "overlong-utf8": f"{rel}/" + "%c0%ae%c0%ae/" * 4 + name,
        "fragment": f"{rel}/a#/" + "../" * 5 + name,
        "enc-fragment": f"{rel}/a%23/" + "../" * 5 + name,
        "absolute-enc": "%2F" + abs_target.lstrip("/"),
        "absolute-double-slash": "/" + abs_target.lstrip("/"),
        "nul": f"{rel}/" + "../" * 4 + name + "%00.txt",
        "drive": "C:%5cWindows%5c" + name,
        "unc": "%5c%5chost%5cshare%5c" + name,
        "bad-percent": f"{rel}/%zz/" + "../" * 4 + name,
        "lone-percent": f"{rel}/%",
    }


def assert_path_rejected(resp: Any, world: ArtifactWorld) -> None:
    assert resp.status in (400, 403, 404, 405), f"expected 400/403/404 (405): {resp.describe()}"
    codes = {400: {IPV, "BAD_REQUEST"}, 403: {"PERMISSION_DENIED"}, 404: NOT_FOUND_CODES, 405: None}[resp.status]
    assert_error(resp, resp.status, codes)
    assert world.token.encode() not in resp.body, f"canary content leaked: {resp.describe()}"


PATH_CASES = [
    "dotdot",
    "dotdot-from-root",
    "dotdot-deeper",
    "enc-dots",
    "enc-dots-upper",
    "half-enc-dots",
    "enc-slash",
    "double-enc-dots",
    "double-enc-all",
    "triple-enc",
    "backslash",
    "enc-backslash",
    "overlong-utf8",
    "fragment",
    "enc-fragment",
    "absolute-enc",
    "absolute-double-slash",
    "nul",
    "drive",
    "unc",
    "bad-percent",
    "lone-percent",
]


@pytest.mark.parametrize("case", PATH_CASES)
def test_artifact_download_traversal(world: ArtifactWorld, fs_guard: None, case: str) -> None:
    path = traversal_paths(world, "canary.txt")[case]
    assert_path_rejected(world.request("GET", f"{ARTIFACTS_API}/{path}"), world)


@pytest.mark.parametrize("case", PATH_CASES)
def test_artifact_list_traversal(world: ArtifactWorld, fs_guard: None, case: str) -> None:
    path = traversal_paths(world, "")[case].rstrip("/") or "."
    resp = world.request("GET", f"{ARTIFACTS_API}?path={path}")
    if case in ("overlong-utf8", "lone-percent") and resp.status == 200:
        # In a query string these decode (leniently) to odd but harmless names inside the run: an empty listing.
        assert resp.json().get("files", []) == [], resp.describe()
        return
    assert_path_rejected(resp, world)
    assert b"canary.txt" not in resp.body, resp.describe()


@pytest.mark.parametrize("case", PATH_CASES)
def test_artifact_upload_traversal(world: ArtifactWorld, fs_guard: None, case: str) -> None:
    for name in ("canary.txt", f"pwned-{uuid.uuid4().hex[:8]}.txt"):
        path = traversal_paths(world, name)[case]
        assert_path_rejected(world.request("PUT", f"{ARTIFACTS_API}/{path}", b"PWNED"), world)


@pytest.mark.parametrize("case", PATH_CASES)
def test_artifact_delete_traversal(world: ArtifactWorld, fs_guard: None, case: str) -> None:
    path = traversal_paths(world, "canary.txt")[case]
    assert_path_rejected(world.request("DELETE", f"{ARTIFACTS_API}/{path}"), world)


@pytest.mark.parametrize(
    "path", [".", "%2e", "./.", ".//", "", "/", "0/..", "%2e%2e", "RUN/..", "RUN/../..", "RUN/../../.."]
)
def test_artifact_delete_never_wipes_a_root(world: ArtifactWorld, fs_guard: None, path: str) -> None:
    resp = world.request("DELETE", f"{ARTIFACTS_API}/{path.replace('RUN', world.rel)}")
    assert_path_rejected(resp, world)
    for rel in (world.rel, world.other_rel):
        got = world.request("GET", f"{ARTIFACTS_API}/{rel}/keep/file.txt")
        assert got.status == 200 and got.body == world.content, f"artifact gone after DELETE {path!r}: {got.describe()}"


@pytest.mark.parametrize("name", ["a#b.txt", "a%23b.txt"])
def test_artifact_upload_with_hash_is_rejected(world: ArtifactWorld, fs_guard: None, name: str) -> None:
    resp = world.request("PUT", f"{ARTIFACTS_API}/{world.rel}/{name}", b"x")
    assert_path_rejected(resp, world)


@pytest.mark.parametrize(
    "target",
    [
        "/api/2.0/mlflow/artifacts/list?run_id=RUN&path=../../../..",
        "/api/2.0/mlflow/artifacts/list?run_id=RUN&path=%2e%2e%2f%2e%2e%2f%2e%2e",
        "/api/2.0/mlflow/artifacts/list?run_id=RUN&path=/etc",
        "/get-artifact?run_uuid=RUN&path=../../../../canary.txt",
        "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=RUN&path=../../../../pwned.txt",
        "/model-versions/get-artifact?name=x&version=1&path=../../canary.txt",
    ],
)
def test_other_artifact_routes_reject_traversal(world: ArtifactWorld, fs_guard: None, target: str) -> None:
    method = "POST" if "upload-artifact" in target else "GET"
    body = b"PWNED" if method == "POST" else None
    assert_path_rejected(world.request(method, target.replace("RUN", world.run_id), body), world)


# ------------------------------------------------------------------------------------------------------------
# 13. Experiment artifact_location with traversal, query, fragment or params is rejected at create time

BAD_LOCATIONS = [
    "http:///?/../../../../../../etc/",
    "http:///#/../../../../etc/",
    "http://host#/../../../../etc/",
    "http://host/a?x=../../../etc",
    "http://host/path;/../../../etc",
    "file:///srv/x;/../../etc",
    "file:///srv?x=../../etc",
    "mlflow-artifacts:/x/../../../etc",
    "mlflow-artifacts:/x/%2e%2e/%2e%2e/etc",
    "mlflow-artifacts:/x/%252e%252e/%252e%252e/etc",
    "mlflow-artifacts:/x/..%2f..%2fetc",
    "mlflow-artifacts:/x#frag",
    "/srv/x/../../etc",
    "s3://bucket/a/../../b",
    "runs:/0123456789abcdef/model",
    "mlflow-artifacts:/" + "a" * 2049,
]


@pytest.mark.parametrize("location", BAD_LOCATIONS)
def test_bad_artifact_location_rejected(api: Api, location: str) -> None:
    name = f"loc-{uuid.uuid4().hex[:8]}"
    resp = api.post("experiments/create", {"name": name, "artifact_location": location})
    assert_error(resp, 400, IPV)
    assert_error(api.get("experiments/get-by-name", {"experiment_name": name}), 404, "RESOURCE_DOES_NOT_EXIST")
