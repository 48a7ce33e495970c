"""Registry governance through the real client: scan verdicts on registered versions, and promotion policies that
refuse `set_registered_model_alias` / `transition_model_version_stage` until their conditions hold.

Policies and approvals are set through Bosun's native API (/api/bosun/v1) with `requests`; the promotions
themselves go through the unmodified `MlflowClient`. Without authentication the acting user of an approval is
the one the request names; with it (BOSUN_COMPAT_AUTH), each person signs in as a user of their own."""

from __future__ import annotations

import uuid

import pytest
import requests
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import mlflow
import mlflow.sklearn
from mlflow.exceptions import MlflowException

from conftest import CLIENT_AUTH, IS_MLFLOW_3, PATIENCE_S

PIP_REQUIREMENTS = ["scikit-learn", "numpy"]
SCAN_TAG = "bosun.scan.status"


def _native(server, path: str) -> str:
    return f"{server.url}/api/bosun/v1/registry{path}"


def _ok(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def governed(bosun_server):
    """A plain scikit-learn model logged with registered_model_name (version 1), with its accuracy logged."""
    mlflow.set_experiment(f"governance-{uuid.uuid4().hex[:10]}")
    X, y = make_classification(n_samples=100, n_features=4, n_informative=3, n_redundant=0, random_state=2)
    model = LogisticRegression(max_iter=200).fit(X, y)
    name = f"gov-{uuid.uuid4().hex[:10]}"
    with mlflow.start_run():
        mlflow.log_metric("accuracy", 0.8)
        if IS_MLFLOW_3:
            mlflow.sklearn.log_model(
                model, name="model", pip_requirements=PIP_REQUIREMENTS, registered_model_name=name
            )
        else:
            mlflow.sklearn.log_model(
                model, artifact_path="model", pip_requirements=PIP_REQUIREMENTS, registered_model_name=name
            )
    # With authentication on, the people of these tests are users of their own (the acting user of a governance
    # call is the signed-in one), and approving needs MANAGE on the model.
    for person in ("alice", "bob", "carol", "dan"):
        bosun_server.grant(person, "MANAGE", model=name)
    return {"name": name}


def test_logged_sklearn_model_scans_clean(client, governed, bosun_server):
    name = governed["name"]
    version = client.get_model_version(name, "1")
    assert version.tags.get(SCAN_TAG) == "clean"
    found = client.search_model_versions(f"name = '{name}' and tags.`{SCAN_TAG}` = 'clean'")
    assert [v.version for v in found] in (["1"], [1])
    scan = _ok(requests.get(_native(bosun_server, f"/models/{name}/versions/1/scan"), timeout=PATIENCE_S, auth=CLIENT_AUTH))["scan"]
    assert scan["status"] == "clean"
    assert scan["files"] >= 1
    assert not [f for f in scan["findings"] if f["severity"] in ("CRITICAL", "HIGH")]


def test_alias_refused_until_policy_holds(client, governed, bosun_server):
    name = governed["name"]
    _ok(
        requests.put(
            _native(bosun_server, f"/models/{name}/policies"),
            json={
                "target": "alias:champion",
                "require_clean_scan": True,
                "metric_conditions": [{"metric": "accuracy", "op": ">=", "value": 0.9}],
                "required_approvals": 1,
                "approvers": ["bob"],
            },
            timeout=PATIENCE_S, auth=CLIENT_AUTH,
        )
    )
    with pytest.raises(MlflowException) as excinfo:
        client.set_registered_model_alias(name, "champion", "1")
    message = str(excinfo.value)
    assert excinfo.value.error_code == "INVALID_STATE"
    assert f"Promotion of {name} version 1 to alias 'champion' refused by policy" in message
    assert "metrics.accuracy = 0.8 does not satisfy >= 0.9" in message
    assert "0 of 1 required approvals" in message
    assert "scan" not in message.split("refused by policy:")[1]

    # Lower the bar and get bob's approval: the same client call then succeeds.
    _ok(
        requests.put(
            _native(bosun_server, f"/models/{name}/policies"),
            json={
                "target": "alias:champion",
                "require_clean_scan": True,
                "metric_conditions": [{"metric": "accuracy", "op": ">=", "value": 0.75}],
                "required_approvals": 1,
                "approvers": ["bob"],
            },
            timeout=PATIENCE_S, auth=CLIENT_AUTH,
        )
    )
    approval = _ok(
        requests.post(
            _native(bosun_server, f"/models/{name}/versions/1/approvals"),
            json={"target": "alias:champion", "comment": "ready"},
            headers={"X-Bosun-User": "alice"},
            timeout=PATIENCE_S, auth=bosun_server.as_user("alice"),
        )
    )["approval"]
    self_approval = requests.post(
        _native(bosun_server, f"/approvals/{approval['id']}/approve"), json={"user": "alice"}, timeout=PATIENCE_S, auth=bosun_server.as_user("alice")
    )
    assert self_approval.status_code == 403
    with pytest.raises(MlflowException, match="0 of 1 required approvals"):
        client.set_registered_model_alias(name, "champion", "1")
    _ok(requests.post(_native(bosun_server, f"/approvals/{approval['id']}/approve"), json={"user": "bob"}, timeout=PATIENCE_S, auth=bosun_server.as_user("bob")))
    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").version in ("1", 1)


def test_stage_transition_refused_until_approved(client, governed, bosun_server):
    name = governed["name"]
    _ok(
        requests.put(
            _native(bosun_server, f"/models/{name}/policies"),
            json={"target": "stage:Production", "require_clean_scan": True, "required_approvals": 1},
            timeout=PATIENCE_S, auth=CLIENT_AUTH,
        )
    )
    with pytest.raises(MlflowException) as excinfo:
        client.transition_model_version_stage(name, "1", "Production")
    assert excinfo.value.error_code == "INVALID_STATE"
    assert "to stage 'Production' refused by policy: 0 of 1 required approvals" in str(excinfo.value)
    assert client.get_model_version(name, "1").current_stage == "None"

    approval = _ok(
        requests.post(
            _native(bosun_server, f"/models/{name}/versions/1/approvals"),
            json={"target": "stage:Production", "user": "carol"},
            timeout=PATIENCE_S, auth=bosun_server.as_user("carol"),
        )
    )["approval"]
    _ok(requests.post(_native(bosun_server, f"/approvals/{approval['id']}/approve"), json={"user": "dan"}, timeout=PATIENCE_S, auth=bosun_server.as_user("dan")))
    moved = client.transition_model_version_stage(name, "1", "Production")
    assert moved.current_stage == "Production"
