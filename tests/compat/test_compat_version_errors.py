"""The server version the client reads, what it unlocks, and MLflow's wording of parameter errors.

The `mlflow` 3.x client reads `GET /version` and gates features on it; in 3.17.2 the one gate is span logging
(`RestStore.log_spans`, OTLP `POST /v1/traces`, 3.4 or later), which the tracing exporter uses for every span.
Bosun answers the MLflow API version it serves there (its own version is `/api/bosun/v1/version`) and refuses
span logging with a 501 whose message the client's exporter recognises. The 2.x client gates nothing on the
server's version. Error texts are compared with what MLflow's own server answers to the same request body.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest import CLIENT_AUTH, IS_MLFLOW_3, REPO_ROOT
from packaging.version import Version

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.store.tracking.rest_store import RestStore

DOCS = " See the API docs for more information about request parameters."
PACKAGE_VERSION = json.loads((REPO_ROOT / "package.json").read_text())["version"]
SPAN_REFUSAL = "REST OTLP span logging is not supported"


def _post_text(server_url: str, path: str, text: str) -> requests.Response:
    """A JSON body sent as written, so that `9.0` reaches the server as `9.0`."""
    return requests.post(
        f"{server_url}/api/2.0/mlflow/{path}",
        data=text.encode(),
        headers={"Content-Type": "application/json"},
        auth=CLIENT_AUTH,
        timeout=600,
    )


# ---- finding 5: the server version -------------------------------------------------------------------------


def test_version_is_the_mlflow_api_level_and_bosuns_own_version_is_apart(bosun_server):
    answer = requests.get(f"{bosun_server.url}/version", timeout=600)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    api_level = Version(answer.text)  # the client parses it with packaging.version
    assert api_level >= Version("3.4")
    assert answer.text != PACKAGE_VERSION

    own = requests.get(f"{bosun_server.url}/api/bosun/v1/version", timeout=600)
    assert own.status_code == 200
    assert own.json() == {"version": PACKAGE_VERSION, "mlflow_api_version": answer.text}


def test_the_client_reads_the_api_level(client):
    store = client._tracking_client.store
    assert isinstance(store, RestStore)
    if not IS_MLFLOW_3:
        # The 2.x client never asks for the server's version, so nothing is gated on it.
        assert not hasattr(RestStore, "_get_server_version")
        return
    RestStore._get_server_version.cache_clear()
    seen = RestStore._get_server_version(store.get_host_creds())
    assert seen is not None and seen >= Version("3.4")
    assert str(seen) == requests.get(f"{client.tracking_uri}/version", timeout=600).text
    # The API level is the pinned 3.x client's release (tests/compat/requirements-mlflow3.txt): move both together.
    assert seen == Version(mlflow.__version__)


def _one_span(experiment_id: str):
    """A finished span as the tracing SDK would send it (the same construction as MLflow's own server test)."""
    from mlflow.entities import Span
    from mlflow.entities.span import SpanAttributeKey
    from mlflow.tracing.utils import build_otel_context
    from opentelemetry.sdk.trace import ReadableSpan

    trace_id = uuid.uuid4().int >> 1
    otel_span = ReadableSpan(
        name="bosun-version-test",
        context=build_otel_context(trace_id=trace_id, span_id=0x1234567890ABCDEF),
        parent=None,
        start_time=time.time_ns() - 1_000_000,
        end_time=time.time_ns(),
        attributes={SpanAttributeKey.REQUEST_ID: json.dumps(f"tr-{trace_id:032x}")},
        resource=None,
    )
    return Span(otel_span)


@pytest.mark.skipif(not IS_MLFLOW_3, reason="the 2.x client has no span logging (checked in the test above)")
def test_span_logging_the_version_unlocks_fails_with_a_clear_error(client, experiment_id):
    store = client._tracking_client.store
    with pytest.raises(MlflowException) as refused:
        store.log_spans(location=experiment_id, spans=[_one_span(experiment_id)])
    assert refused.value.error_code == "NOT_IMPLEMENTED"
    assert SPAN_REFUSAL in refused.value.message
    assert "Bosun" in refused.value.message


@pytest.mark.skipif(not IS_MLFLOW_3, reason="the 2.x client has no span logging (checked in the test above)")
def test_the_tracing_exporter_stops_sending_spans_after_the_refusal(bosun_server, experiment_id):
    from mlflow.tracing.export.mlflow_v3 import MlflowV3SpanExporter

    exporter = MlflowV3SpanExporter(tracking_uri=bosun_server.url)
    assert exporter._store_supports_log_spans is True
    exporter._log_spans(experiment_id, [_one_span(experiment_id)])
    assert exporter._store_supports_log_spans is False


def test_traced_code_keeps_working(bosun_server, experiment_id):
    @mlflow.trace
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5


def test_otlp_endpoint_refuses_whatever_is_sent(bosun_server):
    for content_type, body in (("application/x-protobuf", b"\n\x00"), ("application/json", b'{"resourceSpans":[]}')):
        answer = requests.post(
            f"{bosun_server.url}/v1/traces",
            data=body,
            headers={"Content-Type": content_type, "x-mlflow-experiment-id": "0"},
            auth=CLIENT_AUTH,
            timeout=600,
        )
        assert (content_type, answer.status_code) == (content_type, 501)
        assert answer.json()["error_code"] == "NOT_IMPLEMENTED"
        assert SPAN_REFUSAL in answer.json()["message"]


# ---- finding 7: MLflow's wording --------------------------------------------------------------------------

# (path, body as written, status, message) — each message is what MLflow 3.17.2's server answers.
WORDING = [
    (
        "experiments/create",
        '{"name": "experiment name", "artifact_location": 9.0, "tags": [{"key": "key", "value": "value"}]}',
        "Invalid value 9.0 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'." + DOCS,
    ),
    (
        "experiments/create",
        '{"name": "e", "artifact_location": 1E5}',
        "Invalid value 100000.0 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'." + DOCS,
    ),
    (
        "experiments/create",
        '{"name": "e", "artifact_location": {"b": 1.0, "a": "é"}}',
        'Invalid value {"a":"\\u00e9","b":1.0} for parameter \'artifact_location\' supplied:  '
        "Hint: Value was of type 'dict'." + DOCS,
    ),
    (
        "experiments/create",
        '{"name": 123}',
        "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'." + DOCS,
    ),
    (
        "experiments/create",
        '{"name": "experiment name", "artifact_location": "my_location", "tags": "5"}',
        "Invalid value \"5\" for parameter 'tags' supplied:  Hint: Value was of type 'str'." + DOCS,
    ),
    ("experiments/create", "{}", "Missing value for required parameter 'name'." + DOCS),
    ("experiments/create", '{"name": null}', "Missing value for required parameter 'name'." + DOCS),
    (
        "runs/log-metric",
        '{"run_id": null, "key": "foo", "value": 31, "timestamp": 59, "step": 41}',
        "Missing value for required parameter 'run_id'." + DOCS,
    ),
    (
        "runs/log-metric",
        '{"run_id": "RUN", "key": "foo", "value": "abc", "timestamp": 59, "step": 41}',
        "Invalid value \"abc\" for parameter 'value' supplied:  Hint: Value was of type 'str'." + DOCS,
    ),
    (
        "runs/log-batch",
        '{"run_id": "RUN", "metrics": [{"key": "a", "value": 1, "timestamp": null}]}',
        "Missing value for required parameter 'metrics[0].timestamp'." + DOCS,
    ),
    (
        "runs/log-batch",
        '{"run_id": "RUN", "metrics": "foo"}',
        "Invalid value \"foo\" for parameter 'metrics' supplied:  Hint: Value was of type 'str'." + DOCS,
    ),
    (
        "runs/set-tag",
        '{"run_id": "RUN", "key": "k", "value": 41}',
        "Invalid value 41 for parameter 'value' supplied:  Hint: Value was of type 'int'." + DOCS,
    ),
]


@pytest.mark.parametrize(("path", "text", "message"), WORDING, ids=[f"{p}:{t[:40]}" for p, t, _ in WORDING])
def test_parameter_errors_are_worded_as_mlflow_words_them(client, experiment_id, path, text, message):
    run_id = client.create_run(experiment_id).info.run_id
    answer = _post_text(client.tracking_uri, path, text.replace("RUN", run_id))
    assert answer.status_code == 400
    assert answer.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": message}


def test_an_optional_field_set_to_null_is_ignored_as_mlflow_does(client, unique_name):
    body = json.dumps({"name": unique_name, "artifact_location": None})
    answer = _post_text(client.tracking_uri, "experiments/create", body)
    assert answer.status_code == 200
    experiment = client.get_experiment(answer.json()["experiment_id"])
    assert experiment.name == unique_name
    assert experiment.artifact_location  # the server's default location, as if none had been given


def test_the_client_sees_the_wording_through_its_exception(client, experiment_id):
    with pytest.raises(MlflowException, match=r"Invalid value 123456789 for parameter 'max_results' supplied"):
        client.search_runs([experiment_id], max_results=123456789)


def test_docs_quote_the_versions(bosun_server):
    docs = Path(REPO_ROOT / "docs" / "api.md").read_text()
    api_level = requests.get(f"{bosun_server.url}/version", timeout=600).text
    assert f"`{api_level}`" in docs
    assert "/api/bosun/v1/version" in docs
