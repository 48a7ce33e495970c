"""Security cases of shared/reference/security.md §7 against a live `bosun server --auth`.

Users: the administrator (from BOSUN_ADMIN_USERNAME/PASSWORD at start), and the non-admin users alice and bob
(made with `bosun users create`). Two servers per module: one started with `--default-permission READ` (MLflow's
default: everybody reads, only grants write) and one with `--default-permission NO_PERMISSIONS` (nobody sees
anything without a grant). Creators of experiments and registered models get MANAGE on them; administrators may
do everything. Error conventions (security.md §7): 400 INVALID_PARAMETER_VALUE, 401 unauthenticated,
403 PERMISSION_DENIED, 404 RESOURCE_DOES_NOT_EXIST, always as a JSON error body.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import pytest
import requests

from robustness_support import (
    API,
    ARTIFACTS_API,
    PATIENCE_S,
    SECURE_ADMIN,
    Api,
    SecureServer,
    assert_error,
    describe,
    now_ms,
    raw_request,
)

ADMIN = SECURE_ADMIN
LINEAGE = "/api/bosun/v1/lineage"
REGISTRY = "/api/bosun/v1/registry"
AJAX = "/ajax-api/2.0/mlflow"
DENIED = (403, 404)  # a resource the caller may not see: 403, or 404 as if it did not exist (§7.12)
DENIED_CODES = ("PERMISSION_DENIED", "RESOURCE_DOES_NOT_EXIST")


# --------------------------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def read_server(secure_servers: Callable[[str], SecureServer]) -> SecureServer:
    return secure_servers("READ")


@pytest.fixture(scope="module")
def closed_server(secure_servers: Callable[[str], SecureServer]) -> SecureServer:
    return secure_servers("NO_PERMISSIONS")


def ok(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code == 200, describe(resp)
    body = resp.json()
    assert isinstance(body, dict), describe(resp)
    return body


@dataclass
class World:
    """One user's experiment, run (metric, param, tag, artifacts), logged model, registered model (versions 1 and
    2, alias `champion` on 1). `secret` is in the param value and the artifact content: it must never reach
    another user who may not read them."""

    owner: str
    exp_id: str
    exp_name: str
    run_id: str
    artifact_root: str  # the run's artifact folder as an artifact-proxy path: <exp>/<run>/artifacts
    logged_model_id: str
    model: str
    secret: str


def put_artifact(api: Api, path: str, content: bytes) -> requests.Response:
    return api.request("PUT", f"{ARTIFACTS_API}/{path}", data=content, headers={"Content-Type": "text/plain"})


def build_world(secure: SecureServer, owner: str) -> World:
    api = secure.api(owner)
    tag = uuid.uuid4().hex[:10]
    secret = f"{owner}-secret-{tag}"
    exp_name = f"{owner}-exp-{tag}"
    exp_id = api.create_experiment(exp_name)
    run = ok(api.post("runs/create", {"experiment_id": exp_id, "start_time": now_ms()}))["run"]
    run_id = run["info"]["run_id"]
    artifact_uri = run["info"]["artifact_uri"]
    assert artifact_uri.startswith("mlflow-artifacts:/"), artifact_uri
    artifact_root = artifact_uri[len("mlflow-artifacts:") :].strip("/")
    ok(api.post("runs/log-metric", {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": now_ms(), "step": 1}))
    ok(api.post("runs/log-parameter", {"run_id": run_id, "key": "secret", "value": secret}))
    ok(api.post("runs/set-tag", {"run_id": run_id, "key": "owner", "value": owner}))
    ok(put_artifact(api, f"{artifact_root}/f.txt", secret.encode()))
    ok(put_artifact(api, f"{artifact_root}/model/MLmodel", f"artifact_path: model\n# {secret}\n".encode()))
    logged = ok(api.post("logged-models", {"experiment_id": exp_id, "name": f"lm-{tag}", "source_run_id": run_id}))
    logged_model_id = logged["model"]["info"]["model_id"]
    model = f"{owner}-model-{tag}"
    ok(api.post("registered-models/create", {"name": model}))
    for expected in ("1", "2"):
        created = ok(api.post("model-versions/create", {"name": model, "source": f"runs:/{run_id}/model", "run_id": run_id}))
        assert str(created["model_version"]["version"]) == expected
    ok(api.post("registered-models/alias", {"name": model, "alias": "champion", "version": "1"}))
    return World(owner, exp_id, exp_name, run_id, artifact_root, logged_model_id, model, secret)


def grant(secure: SecureServer, by: str, kind: str, world: World, username: str, permission: str,
          method: str = "POST", action: str = "create") -> requests.Response:  # fmt: skip
    """MLflow's permission API: experiments/permissions/<action> or registered-models/permissions/<action>."""
    if kind == "experiment":
        body = {"experiment_id": world.exp_id, "username": username, "permission": permission}
        path = f"{API}/experiments/permissions/{action}"
    else:
        body = {"name": world.model, "username": username, "permission": permission}
        path = f"{API}/registered-models/permissions/{action}"
    return secure.api(by).request(method, path, json=body)


def read_routes(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route that reads one of the world's items, as (method, path, requests kwargs)."""
    version = {"name": w.model, "version": "1"}
    return [
        ("GET", f"{API}/experiments/get", {"params": {"experiment_id": w.exp_id}}),
        ("GET", f"{API}/experiments/get-by-name", {"params": {"experiment_name": w.exp_name}}),
        ("GET", f"{API}/runs/get", {"params": {"run_id": w.run_id}}),
        ("GET", f"{AJAX}/runs/get", {"params": {"run_id": w.run_id}}),
        ("GET", f"{API}/metrics/get-history", {"params": {"run_id": w.run_id, "metric_key": "loss"}}),
        ("GET", f"{AJAX}/metrics/get-history-bulk-interval", {"params": {"run_ids": w.run_id, "metric_key": "loss"}}),
        ("GET", f"{API}/artifacts/list", {"params": {"run_id": w.run_id}}),
        ("GET", f"{API}/artifacts/list", {"params": {"run_id": w.run_id, "path": "model"}}),
        ("GET", ARTIFACTS_API, {"params": {"path": w.artifact_root}}),
        ("GET", f"{ARTIFACTS_API}/{w.artifact_root}/f.txt", {}),
        ("GET", f"{ARTIFACTS_API}/{w.artifact_root}/model/MLmodel", {}),
        ("GET", f"{API}/logged-models/{w.logged_model_id}", {}),
        ("GET", f"{API}/registered-models/get", {"params": {"name": w.model}}),
        ("GET", f"{API}/model-versions/get", {"params": version}),
        ("GET", f"{API}/model-versions/get-download-uri", {"params": version}),
        ("GET", f"{API}/model-versions/get-artifact", {"params": {**version, "path": "MLmodel"}}),
        ("GET", "/model-versions/get-artifact", {"params": {**version, "path": "MLmodel"}}),
        ("POST", f"{API}/registered-models/get-latest-versions", {"json": {"name": w.model}}),
        ("GET", f"{API}/registered-models/get-latest-versions", {"params": {"name": w.model}}),
        ("GET", f"{API}/registered-models/alias", {"params": {"name": w.model, "alias": "champion"}}),
        ("GET", f"{LINEAGE}/models/{w.model}/versions/1", {}),
        ("GET", f"{LINEAGE}/runs/{w.run_id}", {}),
        ("GET", f"{REGISTRY}/models/{w.model}/versions/1/scan", {}),
        ("GET", f"{REGISTRY}/models/{w.model}/versions/1/approvals", {}),
        ("GET", f"{REGISTRY}/models/{w.model}/policies", {}),
    ]


def check_denied(resp: requests.Response, world: World, problems: list[str]) -> None:
    """A refused read: 403 (or 404) as a JSON error, and none of the owner's data in it."""
    what = describe(resp)
    if resp.status_code not in DENIED:
        problems.append(f"expected 403/404: {what}")
        return
    try:
        assert_error(resp, DENIED, DENIED_CODES)
    except AssertionError as exc:
        problems.append(str(exc))
    if world.secret in resp.text:
        problems.append(f"the owner's secret is in the refusal: {what}")


def assert_no_problems(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def write_attempts(w: World, writer: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Requests that change (not delete) the world's items; each needs EDIT (MLflow's can_update)."""
    version = {"name": w.model, "version": "1"}
    return [
        ("POST", f"{API}/runs/log-metric", {"json": {"run_id": w.run_id, "key": f"{writer}-metric", "value": 1.0, "timestamp": now_ms(), "step": 0}}),
        ("POST", f"{API}/runs/log-parameter", {"json": {"run_id": w.run_id, "key": f"{writer}-param", "value": "x"}}),
        ("POST", f"{API}/runs/set-tag", {"json": {"run_id": w.run_id, "key": f"{writer}-tag", "value": "x"}}),
        ("POST", f"{API}/runs/log-batch", {"json": {"run_id": w.run_id, "tags": [{"key": f"{writer}-batch", "value": "x"}]}}),
        ("POST", f"{API}/runs/update", {"json": {"run_id": w.run_id, "run_name": f"{writer}-renamed"}}),
        ("POST", f"{API}/runs/create", {"json": {"experiment_id": w.exp_id, "start_time": now_ms(), "run_name": f"{writer}-run"}}),
        ("POST", f"{API}/experiments/update", {"json": {"experiment_id": w.exp_id, "new_name": f"{w.exp_name}-{writer}"}}),
        ("POST", f"{API}/experiments/set-experiment-tag", {"json": {"experiment_id": w.exp_id, "key": f"{writer}-tag", "value": "x"}}),
        ("PATCH", f"{API}/registered-models/update", {"json": {"name": w.model, "description": f"{writer} was here"}}),
        ("POST", f"{API}/registered-models/set-tag", {"json": {"name": w.model, "key": f"{writer}-tag", "value": "x"}}),
        ("POST", f"{API}/registered-models/alias", {"json": {"name": w.model, "alias": writer, "version": "2"}}),
        ("POST", f"{API}/model-versions/create", {"json": {"name": w.model, "source": f"runs:/{w.run_id}/model", "run_id": w.run_id}}),
        ("PATCH", f"{API}/model-versions/update", {"json": {**version, "description": f"{writer} was here"}}),
        ("POST", f"{API}/model-versions/set-tag", {"json": {**version, "key": f"{writer}-tag", "value": "x"}}),
        ("PATCH", f"{API}/logged-models/{w.logged_model_id}/tags", {"json": {"tags": [{"key": f"{writer}-tag", "value": "x"}]}}),
        ("PUT", f"{ARTIFACTS_API}/{w.artifact_root}/{writer}.txt", {"data": b"written", "headers": {"Content-Type": "text/plain"}}),
    ]  # fmt: skip


def assert_untouched_by(secure: SecureServer, w: World, writer: str) -> None:
    """The owner still sees the world exactly as built: nothing the `writer` tried reached it."""
    owner = secure.api(w.owner)
    run = owner.get_run(w.run_id)
    keys = [m["key"] for m in run["data"].get("metrics", [])] + [p["key"] for p in run["data"].get("params", [])]
    keys += [t["key"] for t in run["data"].get("tags", [])]
    assert not [k for k in keys if k.startswith(writer)], f"{writer} wrote to the run: {keys}"
    assert run["info"].get("run_name", "") != f"{writer}-renamed"
    runs = ok(owner.post("runs/search", {"experiment_ids": [w.exp_id], "max_results": 100})).get("runs", [])
    assert [r["info"]["run_id"] for r in runs] == [w.run_id], "a run was created in the owner's experiment"
    experiment = ok(owner.get("experiments/get", {"experiment_id": w.exp_id}))["experiment"]
    assert experiment["name"] == w.exp_name
    assert not [t for t in experiment.get("tags", []) if t["key"].startswith(writer)]
    model = ok(owner.get("registered-models/get", {"name": w.model}))["registered_model"]
    assert writer not in model.get("description", "")
    assert not [t for t in model.get("tags", []) if t["key"].startswith(writer)]
    assert not [a for a in model.get("aliases", []) if a["alias"] == writer]
    versions = ok(owner.get("model-versions/search", {"filter": f"name = '{w.model}'"})).get("model_versions", [])
    assert sorted(str(v["version"]) for v in versions) == ["1", "2"], "a version was created on the owner's model"
    version = ok(owner.get("model-versions/get", {"name": w.model, "version": "1"}))["model_version"]
    assert writer not in version.get("description", "")
    assert not [t for t in version.get("tags", []) if t["key"].startswith(writer)]
    logged = ok(owner.request("GET", f"{API}/logged-models/{w.logged_model_id}"))["model"]
    assert not [t for t in logged["info"].get("tags", []) if t["key"].startswith(writer)]
    listing = ok(owner.get("artifacts/list", {"run_id": w.run_id})).get("files", [])
    assert sorted(f["path"] for f in listing) == ["f.txt", "model"], listing


def user_exists_with(secure: SecureServer, username: str, password: str) -> bool:
    """Whether `username` signs in with `password` (a read that any signed-in user may do)."""
    resp = requests.get(f"{secure.url}{API}/experiments/search", params={"max_results": 1},
                        auth=(username, password), timeout=PATIENCE_S)  # fmt: skip
    assert resp.status_code in (200, 401), describe(resp)
    return resp.status_code == 200


# --------------------------------------------------------------------------------------------------------------
# Cross-user access (§7.12, BOLA)


def test_without_grants_another_users_items_are_invisible(closed_server: SecureServer) -> None:
    """Default NO_PERMISSIONS: bob gets 403/404 on every read of alice's items, never her data."""
    world = build_world(closed_server, "alice")
    bob = closed_server.api("bob")
    problems: list[str] = []
    for method, path, kwargs in read_routes(world):
        check_denied(bob.request(method, path, **kwargs), world, problems)
    assert_no_problems(problems)


def test_without_grants_searches_return_only_own_items(closed_server: SecureServer) -> None:
    alice_world = build_world(closed_server, "alice")
    bob_world = build_world(closed_server, "bob")
    bob = closed_server.api("bob")
    problems: list[str] = []

    def expect(cond: bool, message: str, resp: requests.Response) -> None:
        if not cond:
            problems.append(f"{message}: {describe(resp)}")

    for resp in (bob.post("experiments/search", {"max_results": 1000}), bob.get("experiments/search", {"max_results": 1000})):
        names = {e["name"] for e in ok(resp).get("experiments", [])}
        expect(bob_world.exp_name in names, "bob's own experiment is missing", resp)
        expect(all(n.startswith("bob-") for n in names), f"bob sees experiments he may not read ({sorted(names)})", resp)

    for experiment_ids in ([alice_world.exp_id], [alice_world.exp_id, bob_world.exp_id]):
        resp = bob.post("runs/search", {"experiment_ids": experiment_ids, "max_results": 1000})
        if resp.status_code == 200:
            found = {r["info"]["run_id"] for r in resp.json().get("runs", [])}
            expect(alice_world.run_id not in found, "alice's run is in bob's run search", resp)
            expect(alice_world.secret not in resp.text, "alice's data is in bob's run search", resp)
        else:
            check_denied(resp, alice_world, problems)

    resp = bob.post("logged-models/search", {"experiment_ids": [alice_world.exp_id]})
    if resp.status_code == 200:
        expect(alice_world.logged_model_id not in resp.text, "alice's logged model is in bob's search", resp)
    else:
        check_denied(resp, alice_world, problems)

    resp = bob.get("registered-models/search", {"max_results": 1000})
    names = {m["name"] for m in ok(resp).get("registered_models", [])}
    expect(bob_world.model in names, "bob's own model is missing", resp)
    expect(all(n.startswith("bob-") for n in names), f"bob sees models he may not read ({sorted(names)})", resp)

    resp = bob.get("model-versions/search", {"max_results": 1000})
    names = {v["name"] for v in ok(resp).get("model_versions", [])}
    expect(bob_world.model in names, "bob's own versions are missing", resp)
    expect(all(n.startswith("bob-") for n in names), f"bob sees versions he may not read ({sorted(names)})", resp)
    resp = bob.get("model-versions/search", {"filter": f"name = '{alice_world.model}'"})
    if resp.status_code == 200:
        expect(not resp.json().get("model_versions"), "alice's versions are found by name", resp)
    else:
        check_denied(resp, alice_world, problems)

    resp = bob.request("GET", f"{REGISTRY}/events")
    if resp.status_code == 200:
        expect(alice_world.model not in resp.text, "alice's model is in bob's registry event feed", resp)
    else:
        check_denied(resp, alice_world, problems)
    assert_no_problems(problems)


def test_default_read_reads_but_cannot_write(read_server: SecureServer) -> None:
    """Default READ (MLflow's default): bob reads alice's items; every change is 403 and changes nothing."""
    world = build_world(read_server, "alice")
    bob = read_server.api("bob")
    assert bob.get_run(world.run_id)["info"]["run_id"] == world.run_id
    assert bob.request("GET", f"{ARTIFACTS_API}/{world.artifact_root}/f.txt").content == world.secret.encode()
    assert ok(bob.get("registered-models/get", {"name": world.model}))["registered_model"]["name"] == world.model
    problems: list[str] = []
    for method, path, kwargs in write_attempts(world, "bob"):
        resp = bob.request(method, path, **kwargs)
        if resp.status_code != 403:
            problems.append(f"expected 403: {describe(resp)}")
        else:
            assert_error(resp, 403, "PERMISSION_DENIED")
    assert_no_problems(problems)
    assert_untouched_by(read_server, world, "bob")


def test_read_grant_cannot_write_or_delete(closed_server: SecureServer) -> None:
    """An explicit READ grant (on a server where the default is NO_PERMISSIONS): reads work, writes and deletes are 403."""
    world = build_world(closed_server, "alice")
    ok(grant(closed_server, ADMIN, "experiment", world, "bob", "READ"))
    ok(grant(closed_server, ADMIN, "registered-model", world, "bob", "READ"))
    bob = closed_server.api("bob")
    assert bob.get_run(world.run_id)["info"]["run_id"] == world.run_id
    assert ok(bob.get("model-versions/get", {"name": world.model, "version": "1"}))["model_version"]["name"] == world.model
    problems: list[str] = []
    for method, path, kwargs in write_attempts(world, "bob") + delete_attempts(world):
        resp = bob.request(method, path, **kwargs)
        if resp.status_code != 403:
            problems.append(f"expected 403: {describe(resp)}")
    assert_no_problems(problems)
    assert_untouched_by(closed_server, world, "bob")
    assert_not_deleted(closed_server, world)


# --------------------------------------------------------------------------------------------------------------
# Function-level authorization (§7.13): EDIT cannot delete, MANAGE can; grants need MANAGE


def delete_attempts(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Deletions, in an order that works when they are allowed (alias and version before the model)."""
    return [
        ("DELETE", f"{API}/registered-models/alias", {"json": {"name": w.model, "alias": "champion"}}),
        ("DELETE", f"{API}/model-versions/delete", {"json": {"name": w.model, "version": "2"}}),
        ("DELETE", f"{ARTIFACTS_API}/{w.artifact_root}/f.txt", {}),
        ("POST", f"{API}/runs/delete", {"json": {"run_id": w.run_id}}),
        ("DELETE", f"{API}/registered-models/delete", {"json": {"name": w.model}}),
        ("POST", f"{API}/experiments/delete", {"json": {"experiment_id": w.exp_id}}),
    ]


def assert_not_deleted(secure: SecureServer, w: World) -> None:
    owner = secure.api(w.owner)
    assert owner.get_run(w.run_id)["info"]["lifecycle_stage"] == "active"
    experiment = ok(owner.get("experiments/get", {"experiment_id": w.exp_id}))["experiment"]
    assert experiment["lifecycle_stage"] == "active"
    model = ok(owner.get("registered-models/get", {"name": w.model}))["registered_model"]
    assert "champion" in [a["alias"] for a in model.get("aliases", [])]
    ok(owner.get("model-versions/get", {"name": w.model, "version": "2"}))
    assert owner.request("GET", f"{ARTIFACTS_API}/{w.artifact_root}/f.txt").content == w.secret.encode()


def test_edit_can_change_but_not_delete_and_manage_can(read_server: SecureServer) -> None:
    world = build_world(read_server, "alice")
    grantee = f"grantee-{uuid.uuid4().hex[:8]}"
    read_server.create_user(grantee)
    ok(grant(read_server, ADMIN, "experiment", world, "bob", "EDIT"))
    ok(grant(read_server, ADMIN, "registered-model", world, "bob", "EDIT"))
    bob = read_server.api("bob")

    problems: list[str] = []
    for method, path, kwargs in write_attempts(world, "bob"):
        resp = bob.request(method, path, **kwargs)
        if resp.status_code != 200:
            problems.append(f"EDIT may change: expected 200: {describe(resp)}")
    for method, path, kwargs in delete_attempts(world):
        resp = bob.request(method, path, **kwargs)
        if resp.status_code != 403:
            problems.append(f"EDIT may not delete: expected 403: {describe(resp)}")
    for kind in ("experiment", "registered-model"):
        resp = grant(read_server, "bob", kind, world, grantee, "READ")
        if resp.status_code != 403:
            problems.append(f"EDIT may not grant: expected 403: {describe(resp)}")
    assert_no_problems(problems)
    assert_not_deleted(read_server, world)

    ok(grant(read_server, ADMIN, "experiment", world, "bob", "MANAGE", method="PATCH", action="update"))
    ok(grant(read_server, ADMIN, "registered-model", world, "bob", "MANAGE", method="PATCH", action="update"))
    for kind in ("experiment", "registered-model"):
        ok(grant(read_server, "bob", kind, world, grantee, "READ"))
    for method, path, kwargs in delete_attempts(world):
        ok(bob.request(method, path, **kwargs))
    alice = read_server.api("alice")
    assert alice.get_run(world.run_id)["info"]["lifecycle_stage"] == "deleted"
    experiment = ok(alice.get("experiments/get", {"experiment_id": world.exp_id}))["experiment"]
    assert experiment["lifecycle_stage"] == "deleted"
    assert_error(alice.get("registered-models/get", {"name": world.model}), 404, "RESOURCE_DOES_NOT_EXIST")
    assert alice.request("GET", f"{ARTIFACTS_API}/{world.artifact_root}/f.txt").status_code == 404


def test_grant_requires_manage_and_creator_has_it(read_server: SecureServer) -> None:
    """alice created the items (MANAGE) and may grant; bob (default READ) may not grant himself anything."""
    world = build_world(read_server, "alice")
    for kind in ("experiment", "registered-model"):
        resp = grant(read_server, "bob", kind, world, "bob", "MANAGE")
        assert_error(resp, 403, "PERMISSION_DENIED")
    bob = read_server.api("bob")
    assert bob.request("DELETE", f"{API}/registered-models/delete", json={"name": world.model}).status_code == 403
    for kind in ("experiment", "registered-model"):
        ok(grant(read_server, "alice", kind, world, "bob", "EDIT"))
    ok(bob.post("runs/set-tag", {"run_id": world.run_id, "key": "bob-tag", "value": "granted by alice"}))


# --------------------------------------------------------------------------------------------------------------
# Users (§7.13, §7.14, §7.15, §7.16)


def test_non_admins_cannot_manage_users(read_server: SecureServer) -> None:
    bob = read_server.api("bob")
    newcomer, newcomer_password = f"new-{uuid.uuid4().hex[:8]}", "Newcomer-Pass-2024!"
    problems: list[str] = []
    attempts = [
        ("POST", f"{API}/users/create", {"json": {"username": newcomer, "password": newcomer_password}}),
        ("POST", f"{AJAX}/users/create", {"json": {"username": newcomer, "password": newcomer_password}}),
        ("PATCH", f"{API}/users/update-admin", {"json": {"username": "bob", "is_admin": True}}),
        ("DELETE", f"{API}/users/delete", {"json": {"username": "alice"}}),
        ("PATCH", f"{API}/users/update-password", {"json": {"username": "alice", "password": "Taken-Over-2024!"}}),
    ]
    for method, path, kwargs in attempts:
        resp = bob.request(method, path, **kwargs)
        if resp.status_code != 403:
            problems.append(f"expected 403: {describe(resp)}")
    assert_no_problems(problems)
    assert not user_exists_with(read_server, newcomer, newcomer_password)
    assert user_exists_with(read_server, "alice", read_server.passwords["alice"])
    assert not user_exists_with(read_server, "alice", "Taken-Over-2024!")
    # bob is still no administrator: an admin-only call is still refused.
    assert_error(bob.request("PATCH", f"{API}/users/update-admin", json={"username": "bob", "is_admin": True}), 403, "PERMISSION_DENIED")


def test_users_change_only_their_own_password(read_server: SecureServer) -> None:
    user = f"self-{uuid.uuid4().hex[:8]}"
    old = read_server.create_user(user)
    new = f"Changed-{uuid.uuid4().hex[:10]}!"
    resp = read_server.api(user).request(
        "PATCH", f"{API}/users/update-password", json={"username": user, "password": new, "current_password": old}
    )
    assert resp.status_code == 200, describe(resp)
    assert user_exists_with(read_server, user, new)
    assert not user_exists_with(read_server, user, old)


def test_unauthenticated_user_creation_is_refused(read_server: SecureServer) -> None:
    name, password = f"anon-{uuid.uuid4().hex[:8]}", "Anonymous-Pass-2024!"
    for prefix in (API, AJAX):
        resp = requests.post(f"{read_server.url}{prefix}/users/create", json={"username": name, "password": password}, timeout=PATIENCE_S)
        assert_error(resp, 401, None)
        assert resp.headers.get("www-authenticate", "").lower().startswith("basic")
    assert not user_exists_with(read_server, name, password)


@pytest.mark.parametrize("password", ["", "a", "Short-1!", None], ids=["empty", "one-char", "under-minimum", "missing"])
def test_weak_or_missing_passwords_are_refused(read_server: SecureServer, password: str | None) -> None:
    admin = read_server.api(ADMIN)
    name = f"weak-{uuid.uuid4().hex[:8]}"
    body: dict[str, Any] = {"username": name}
    if password is not None:
        body["password"] = password
    assert_error(admin.request("POST", f"{API}/users/create", json=body), 400, ("INVALID_PARAMETER_VALUE", "BAD_REQUEST"))
    # Nothing was created: the name is still free.
    ok(admin.request("POST", f"{API}/users/create", json={"username": name, "password": "Strong-Enough-2024!"}))


def test_lockout_after_five_failures_looks_like_a_wrong_password(read_server: SecureServer) -> None:
    user = f"lock-{uuid.uuid4().hex[:8]}"
    right = read_server.create_user(user)
    url = f"{read_server.url}{API}/experiments/search"

    def attempt(username: str, password: str) -> requests.Response:
        return requests.get(url, params={"max_results": 1}, auth=(username, password), timeout=PATIENCE_S)

    assert attempt(user, right).status_code == 200
    wrong_answers = [attempt(user, f"Wrong-Password-{i}!") for i in range(5)]
    for resp in wrong_answers:
        assert_error(resp, 401, "UNAUTHENTICATED")
    locked = attempt(user, right)
    assert_error(locked, 401, "UNAUTHENTICATED")
    unknown = attempt(f"nobody-{uuid.uuid4().hex[:8]}", right)
    # The locked-out answer is the wrong-password answer, byte for byte: it does not tell that the account exists
    # or is locked.
    for other in (wrong_answers[0], unknown):
        assert locked.json() == other.json()
        assert locked.headers.get("www-authenticate") == other.headers.get("www-authenticate")
    assert "lock" not in locked.text.lower()
    # Other users are not affected.
    assert attempt("alice", read_server.passwords["alice"]).status_code == 200


# --------------------------------------------------------------------------------------------------------------
# DNS rebinding, cross-site requests, reflected content (§7.17, §7.18)


def empty_experiment(secure: SecureServer, owner: str) -> str:
    return secure.api(owner).create_experiment(f"{owner}-empty-{uuid.uuid4().hex[:10]}")


def run_count(secure: SecureServer, owner: str, exp_id: str) -> int:
    resp = secure.api(owner).post("runs/search", {"experiment_ids": [exp_id], "max_results": 1000})
    return len(ok(resp).get("runs", []))


def test_foreign_host_header_is_refused(read_server: SecureServer) -> None:
    exp_id = empty_experiment(read_server, "alice")
    body = json.dumps({"experiment_id": exp_id, "start_time": now_ms()}).encode()
    for auth in (read_server.basic("alice"), {}):
        headers = {"Host": "evil.example", "Content-Type": "application/json", **auth}
        resp = raw_request(read_server.url, "POST", f"{API}/runs/create", body, headers)
        assert_error(resp, 400, "BAD_REQUEST")
        resp = raw_request(read_server.url, "GET", f"{API}/experiments/search?max_results=10", None, headers)
        assert_error(resp, 400, "BAD_REQUEST")
        assert "alice-" not in resp.text
    assert run_count(read_server, "alice", exp_id) == 0


@pytest.mark.parametrize("origin", ["https://evil.example", None])
@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_cross_site_form_post_creates_nothing(
    read_server: SecureServer, content_type: str, encoding: str, origin: str | None
) -> None:
    """What another site can make a browser send without a CORS preflight, with the user's cached credentials:
    a form post (`form`: the body in the form's own encoding) or a `fetch(..., {mode: "no-cors"})` with one of
    the three CORS-safelisted content types and a JSON body (`json`). Neither may be executed. Two defences, each
    tested alone: a foreign Origin is refused (403) before anything else, and without one (a browser that hides
    it, or a proxy that strips it) these content types are refused (415) on the JSON API."""
    exp_id = empty_experiment(read_server, "alice")
    header = "multipart/form-data; boundary=XyZ" if content_type == "multipart/form-data" else content_type
    if encoding == "json":
        body = json.dumps({"experiment_id": exp_id, "start_time": now_ms()}).encode()
    elif content_type == "application/x-www-form-urlencoded":
        body = f"experiment_id={exp_id}&start_time={now_ms()}".encode()
    elif content_type == "text/plain":  # <form enctype="text/plain"> with a field named `{"experiment_id":"E","x":"`
        body = ('{"experiment_id":"' + exp_id + '","x":"=\"}').encode()
    else:
        body = f'--XyZ\r\nContent-Disposition: form-data; name="experiment_id"\r\n\r\n{exp_id}\r\n--XyZ--\r\n'.encode()
    headers = {"Content-Type": header, **read_server.basic("alice")}
    if origin is not None:
        headers["Origin"] = origin
    resp = raw_request(read_server.url, "POST", f"{API}/runs/create", body, headers)
    if origin is not None:
        assert_error(resp, 403, "PERMISSION_DENIED")
    else:
        assert_error(resp, 415, None)
    assert "access-control-allow-origin" not in resp.headers
    assert run_count(read_server, "alice", exp_id) == 0


def test_hostile_content_type_is_not_reflected(read_server: SecureServer) -> None:
    exp_id = empty_experiment(read_server, "alice")
    hostile = "text/html<script>alert(1)</script>"
    body = json.dumps({"experiment_id": exp_id}).encode()
    resp = raw_request(read_server.url, "POST", f"{API}/runs/create", body, {"Content-Type": hostile, **read_server.basic("alice")})
    assert 400 <= resp.status < 500, resp.describe()
    assert resp.headers.get("content-type", "").startswith("application/json"), resp.describe()
    assert_error(resp, resp.status, None)
    assert "<script>" not in resp.text, resp.describe()
    assert run_count(read_server, "alice", exp_id) == 0


# --------------------------------------------------------------------------------------------------------------
# Mass assignment and reserved fields (§7.19, §7.3)


def test_users_create_ignores_is_admin(read_server: SecureServer) -> None:
    """MLflow's users/create takes only username and password: a client-sent is_admin never makes an admin."""
    admin = read_server.api(ADMIN)
    name, password = f"notadmin-{uuid.uuid4().hex[:8]}", "Not-An-Admin-2024!"
    resp = admin.request("POST", f"{API}/users/create", json={"username": name, "password": password, "is_admin": True})
    if resp.status_code == 400:
        assert not user_exists_with(read_server, name, password)
        return
    body = ok(resp)
    assert body["user"]["is_admin"] is False, body
    assert ok(admin.request("GET", f"{API}/users/get", params={"username": name}))["user"]["is_admin"] is False
    # Not an administrator in effect either.
    resp = requests.post(f"{read_server.url}{API}/users/create", json={"username": f"x-{name}", "password": password},
                         auth=(name, password), timeout=PATIENCE_S)  # fmt: skip
    assert_error(resp, 403, "PERMISSION_DENIED")
    # Only update-admin makes one.
    ok(admin.request("PATCH", f"{API}/users/update-admin", json={"username": name, "is_admin": True}))
    assert ok(admin.request("GET", f"{API}/users/get", params={"username": name}))["user"]["is_admin"] is True


def test_run_update_cannot_move_or_delete_the_run(read_server: SecureServer) -> None:
    world = build_world(read_server, "alice")
    other = empty_experiment(read_server, "alice")
    alice = read_server.api("alice")
    resp = alice.post("runs/update", {"run_id": world.run_id, "status": "FINISHED", "lifecycle_stage": "deleted",
                                      "experiment_id": other, "user_id": "mallory"})  # fmt: skip
    assert resp.status_code in (200, 400), describe(resp)
    if resp.status_code == 400:
        assert_error(resp, 400, "INVALID_PARAMETER_VALUE")
    info = alice.get_run(world.run_id)["info"]
    assert info["experiment_id"] == world.exp_id
    assert info["lifecycle_stage"] == "active"
    assert info.get("user_id") != "mallory"
    assert run_count(read_server, "alice", other) == 0


def test_prompt_tag_does_not_skip_source_validation(read_server: SecureServer) -> None:
    world = build_world(read_server, "alice")
    alice = read_server.api("alice")
    for source in ("/etc", "file:///etc/"):
        resp = alice.post("model-versions/create", {"name": world.model, "source": source,
                                                    "tags": [{"key": "mlflow.prompt.is_prompt", "value": "true"}]})  # fmt: skip
        assert_error(resp, 400, "INVALID_PARAMETER_VALUE")
    resp = alice.post("model-versions/create", {"name": world.model, "source": "file:///etc/", "run_id": world.run_id})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")
    versions = ok(alice.get("model-versions/search", {"filter": f"name = '{world.model}'"})).get("model_versions", [])
    assert sorted(str(v["version"]) for v in versions) == ["1", "2"]
    for version in ("3", "1"):
        resp = alice.request("GET", "/model-versions/get-artifact", params={"name": world.model, "version": version, "path": "passwd"})
        assert resp.status_code in (400, 404), describe(resp)
        assert "root:" not in resp.text


# --------------------------------------------------------------------------------------------------------------
# Artifact path traversal with auth on (§7.5, §7.6, §7.7)


def fingerprint_outside(root: Path, artifacts: Path) -> dict[str, str]:
    """sha256 of every file under `root` except the artifact store itself."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == artifacts:
            dirnames[:] = []
            continue
        for name in filenames:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


TRAVERSALS = [
    "../../../../canary.txt",
    "../../../../../canary.txt",
    "..%2f..%2f..%2f..%2fcanary.txt",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fcanary.txt",
    "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/canary.txt",
    "%252e%252e%252f%252e%252e%252f%252e%252e%252f%252e%252e%252fcanary.txt",
    "..%5c..%5c..%5c..%5ccanary.txt",
]
ABSOLUTES = ["%2Fetc%2Fpasswd", "/etc/passwd", "{canary}"]  # {canary}: the outer canary's absolute path, encoded


def test_artifact_traversal_with_auth_stays_in_the_store(read_server: SecureServer) -> None:
    """alice, on her own run, sends traversal and absolute paths to get, list, put and delete: all 400/403/404,
    and the canaries outside the artifact root are neither read, changed nor joined by new files."""
    world = build_world(read_server, "alice")
    artifacts = read_server.server.artifacts_dir
    outer = artifacts.parent.parent
    canaries = {artifacts.parent / "canary.txt": b"CANARY-ONE-" + uuid.uuid4().hex.encode(),
                outer / "canary.txt": b"CANARY-TWO-" + uuid.uuid4().hex.encode()}  # fmt: skip
    for path, content in canaries.items():
        path.write_bytes(content)
    before = fingerprint_outside(outer, artifacts)
    auth = read_server.basic("alice")
    root = world.artifact_root
    targets: list[tuple[str, str]] = []
    for payload in TRAVERSALS:
        targets += [
            ("GET", f"{ARTIFACTS_API}/{root}/{payload}"),
            ("GET", f"{ARTIFACTS_API}?path={root}/{payload}"),
            ("GET", f"{API}/artifacts/list?run_id={world.run_id}&path={payload}"),
            ("GET", f"/model-versions/get-artifact?name={world.model}&version=1&path={payload}"),
            ("PUT", f"{ARTIFACTS_API}/{root}/{payload}"),
            ("DELETE", f"{ARTIFACTS_API}/{root}/{payload}"),
        ]
    for absolute in ABSOLUTES:
        absolute = absolute.format(canary=quote(str(outer / "canary.txt"), safe=""))
        targets += [
            ("GET", f"{ARTIFACTS_API}/{absolute}"),
            ("GET", f"{ARTIFACTS_API}/{root}/{absolute}"),
            ("GET", f"{API}/artifacts/list?run_id={world.run_id}&path={absolute}"),
            ("GET", f"/model-versions/get-artifact?name={world.model}&version=1&path={absolute}"),
            ("PUT", f"{ARTIFACTS_API}/{absolute}"),
            ("DELETE", f"{ARTIFACTS_API}/{absolute}"),
        ]
    problems: list[str] = []
    for method, target in targets:
        resp = raw_request(read_server.url, method, target, b"PWNED" if method == "PUT" else None, auth)
        if resp.status not in (400, 403, 404):
            problems.append(f"expected 400/403/404: {resp.describe()}")
        elif resp.status >= 400:
            try:
                assert_error(resp, resp.status, None)
            except AssertionError as exc:
                problems.append(str(exc))
        if any(content in resp.body for content in canaries.values()) or b"root:" in resp.body:
            problems.append(f"a file outside the artifact root was served: {resp.describe()}")
    assert_no_problems(problems)
    assert fingerprint_outside(outer, artifacts) == before
    for path, content in canaries.items():
        assert path.read_bytes() == content
    # The run's own artifacts are intact.
    assert read_server.api("alice").request("GET", f"{ARTIFACTS_API}/{root}/f.txt").content == world.secret.encode()


def test_artifact_traversal_cannot_reach_another_users_run(closed_server: SecureServer) -> None:
    """Default NO_PERMISSIONS: alice, through her own run's path, tries bob's run folder; the permission check
    must apply to where the path leads, not to its first segments."""
    alice_world = build_world(closed_server, "alice")
    bob_world = build_world(closed_server, "bob")
    auth = closed_server.basic("alice")
    escapes = ["../../..", "..%2f..%2f..", "%2e%2e/%2e%2e/%2e%2e", "%252e%252e%252f%252e%252e%252f%252e%252e"]
    problems: list[str] = []
    for escape in escapes:
        via = f"{ARTIFACTS_API}/{alice_world.artifact_root}/{escape}/{bob_world.artifact_root}"
        for method, target in (("GET", f"{via}/f.txt"), ("PUT", f"{via}/pwn.txt"), ("DELETE", f"{via}/f.txt"),
                               ("GET", f"{ARTIFACTS_API}?path={alice_world.artifact_root}/{escape}/{bob_world.artifact_root}")):  # fmt: skip
            resp = raw_request(closed_server.url, method, target, b"PWNED" if method == "PUT" else None, auth)
            if resp.status not in (400, 403, 404):
                problems.append(f"expected 400/403/404: {resp.describe()}")
            if bob_world.secret.encode() in resp.body:
                problems.append(f"bob's artifact was served to alice: {resp.describe()}")
    assert_no_problems(problems)
    bob = closed_server.api("bob")
    files = sorted(f["path"] for f in ok(bob.get("artifacts/list", {"run_id": bob_world.run_id})).get("files", []))
    assert files == ["f.txt", "model"]
    assert bob.request("GET", f"{ARTIFACTS_API}/{bob_world.artifact_root}/f.txt").content == bob_world.secret.encode()
    assert not (closed_server.server.artifacts_dir / bob_world.artifact_root / "pwn.txt").exists()
