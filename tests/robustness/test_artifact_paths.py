"""Artifact paths that name a root, files behind registered model versions, and experiment artifact locations,
against a live `bosun server --auth` over real HTTP.

The adversarial finding this file reproduces: a user with MANAGE on one experiment (not an administrator) sent
`DELETE /api/2.0/mlflow-artifacts/artifacts/<exp>/.` (or `%2e`, `//`, `./`, `x/..`) and got 200, and every run's
artifacts of the experiment were gone, the files of registered model versions included. Now:

- a path with a `.` or empty segment, in any spelling, and a path naming the store root, an experiment's folder,
  a run's folder or artifact root, or a logged model's folder or root, is refused with 400
  INVALID_PARAMETER_VALUE on every artifact route (upload, download, list, delete, multipart, presigned); a run's
  or logged model's artifact root may still be listed (the `mlflow` client lists it), never deleted;
- files that back a registered model version cannot be deleted or overwritten (400, naming the version), by
  anybody, administrators included; deleting the version releases them;
- `experiments/create` only takes a location inside the artifact store that no other experiment's location
  equals, contains or lies in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from robustness_support import API, ARTIFACTS_API, SECURE_ADMIN, SecureServer, assert_error, raw_request

IPV = "INVALID_PARAMETER_VALUE"
MPU = "/api/2.0/mlflow-artifacts/mpu"
PRESIGNED = "/api/2.0/mlflow-artifacts/presigned"


@dataclass
class World:
    """An administrator's experiment with two runs and a logged model, all with files; a registered model whose
    versions point at them through every source form; and `manager`, a non-admin user with MANAGE on the
    experiment only."""

    exp: str
    run1: str
    run2: str
    logged_model: str
    model: str
    manager: str
    files: dict[str, bytes]  # store path -> content

    def root(self, run: str) -> str:
        return f"{self.exp}/{run}/artifacts"

    @property
    def model_root(self) -> str:
        return f"{self.exp}/models/{self.logged_model}/artifacts"


def ok(resp: Any) -> dict[str, Any]:
    status = getattr(resp, "status_code", None) or getattr(resp, "status", None)
    text = getattr(resp, "text", "")
    assert status == 200, f"expected 200, got {status}: {text[:500]}"
    return resp.json()


@pytest.fixture(scope="module")
def secure(secure_servers: Callable[[str], SecureServer]) -> SecureServer:
    return secure_servers("READ")


@pytest.fixture(scope="module")
def world(secure: SecureServer) -> World:
    admin = secure.api(SECURE_ADMIN)
    tag = uuid.uuid4().hex[:8]
    exp = str(ok(admin.post("experiments/create", {"name": f"paths-{tag}"}))["experiment_id"])
    runs = [ok(admin.post("runs/create", {"experiment_id": exp}))["run"]["info"]["run_id"] for _ in range(2)]
    logged = ok(admin.post("logged-models", {"experiment_id": exp, "name": f"lm-{tag}", "source_run_id": runs[0]}))
    logged_model = logged["model"]["info"]["model_id"]
    files: dict[str, bytes] = {}
    for run in runs:
        for name in ("f.txt", "model/MLmodel", "model/model.pkl", "sub/a.txt", "sub/deep/b.txt", "modelx/c.txt"):
            files[f"{exp}/{run}/artifacts/{name}"] = f"{run}:{name}:{tag}".encode()
    files[f"{exp}/models/{logged_model}/artifacts/model.pkl"] = f"logged:{tag}".encode()
    for path, content in files.items():
        ok(admin.request("PUT", f"{ARTIFACTS_API}/{path}", data=content, headers={"Content-Type": "text/plain"}))

    model = f"paths-model-{tag}"
    ok(admin.post("registered-models/create", {"name": model}))
    sources = [
        f"runs:/{runs[0]}/model",  # v1: a run's subfolder
        f"models:/{logged_model}",  # v2: a logged model's root
        f"mlflow-artifacts:/{exp}/{runs[1]}/artifacts/sub/deep",  # v3: a folder of the store
        f"models:/{model}/1",  # v4: a copy of v1, same files
    ]
    for source in sources:
        ok(admin.post("model-versions/create", {"name": model, "source": source}))

    manager = f"manager-{tag}"
    secure.create_user(manager)
    ok(admin.post("experiments/permissions/create", {"experiment_id": exp, "username": manager, "permission": "MANAGE"}))
    return World(exp, runs[0], runs[1], logged_model, model, manager, files)


def send(secure: SecureServer, user: str, method: str, target: str, body: bytes | None = None) -> Any:
    headers = secure.basic(user)
    if body is not None:
        headers["Content-Type"] = "application/json" if method == "POST" else "application/octet-stream"
    return raw_request(secure.url, method, target, body, headers)


def missing_files(secure: SecureServer, world: World) -> list[str]:
    """The world's files that are gone or changed (read back as the administrator)."""
    gone = []
    for path, content in world.files.items():
        resp = send(secure, SECURE_ADMIN, "GET", f"{ARTIFACTS_API}/{path}")
        if resp.status != 200 or resp.body != content:
            gone.append(f"{path}: {resp.describe()}")
    return gone


def root_like_paths(w: World) -> list[str]:
    """Spellings of the store root, the experiment folder, run folders and roots, logged-model folders and roots,
    and paths with dot or empty segments."""
    e, r, m = w.exp, w.run1, w.logged_model
    return [
        # the finding
        f"{e}/.", f"{e}/%2e", f"{e}/%2E", f"{e}//", f"{e}/./", f"{e}/x/..",
        # the experiment folder itself, and other encodings of the same
        e, f"{e}/", f"{e}%2f.", f"{e}%2F%2E", f"{e}/%252e", f"{e}/%25252e", f"{e}/.%2f", f"{e}%2f%2f",
        f"{e}/%c0%ae", f"{e}/%e0%80%ae", f"{e}/%25c0%25ae", f"{e}\\.", f"{e}%5c.", f"./{e}", f"%2e/{e}",
        f"{e}/x/%2e%2e",
        # a run's folder and its artifact root
        f"{e}/{r}", f"{e}/{r}/", f"{e}/{r}/.", f"{e}/{r}/artifacts", f"{e}/{r}/artifacts/",
        f"{e}/{r}/artifacts/.", f"{e}/{r}/artifacts/%2e", f"{e}/{r}/artifacts/%252e", f"{e}/{r}/./artifacts",
        f"{e}/{r}//artifacts", f"{e}/{r}/artifacts//", f"{e}/{r}/artifacts/sub/..", f"{e}/{r}/artifacts/sub/%2e%2e",
        f"{e}/{r}%2fartifacts", f"{e}%2f{r}%2fartifacts%2f",
        # logged models
        f"{e}/models", f"{e}/models/", f"{e}/models/{m}", f"{e}/models/{m}/artifacts",
        f"{e}/models/{m}/artifacts/.",
        # the store root
        "", ".", "%2e", "/", "//", "./",
    ]  # fmt: skip


# Percent-escapes that are not UTF-8 on the wire: the HTTP layer refuses the URL itself, 400 BAD_REQUEST, before
# any route runs. (Double-encoded, `%25c0%25ae`, they reach the routes and get their 400 INVALID_PARAMETER_VALUE.)
OVERLONG = ("%c0%ae", "%e0%80%ae")


def expect_400(resp: Any, problems: list[str], empty_path: bool = False) -> None:
    codes = {IPV}
    if any(o in resp.target.lower() for o in OVERLONG):
        codes.add("BAD_REQUEST")
    if empty_path and resp.status == 404:
        codes = {"ENDPOINT_NOT_FOUND"}  # `<route>/` with nothing after it: there is no such route
    elif resp.status != 400:
        problems.append(f"expected 400 {IPV}: {resp.describe()}")
        return
    try:
        assert_error(resp, resp.status, codes)
    except AssertionError as exc:
        problems.append(str(exc))


def assert_no_problems(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])


def test_manager_cannot_delete_a_root_in_any_spelling(secure: SecureServer, world: World) -> None:
    problems: list[str] = []
    for path in root_like_paths(world):
        expect_400(send(secure, world.manager, "DELETE", f"{ARTIFACTS_API}/{path}"), problems, path == "")
    assert_no_problems(problems)
    assert missing_files(secure, world) == []


def test_administrators_cannot_delete_a_root_either(secure: SecureServer, world: World) -> None:
    problems: list[str] = []
    for path in (f"{world.exp}/.", world.exp, world.root(world.run1), world.model_root, "."):
        expect_400(send(secure, SECURE_ADMIN, "DELETE", f"{ARTIFACTS_API}/{path}"), problems)
    assert_no_problems(problems)
    assert missing_files(secure, world) == []


def test_every_artifact_route_refuses_root_like_paths(secure: SecureServer, world: World) -> None:
    """Upload, download, list, multipart and presigned: 400 for every spelling. A run's or logged model's artifact
    root may be listed, and a multipart upload started there (what the `mlflow` client sends): those routes take
    the roots' plain spellings (a trailing `/`, an encoded `/`, which mean the same folder)."""
    e, r = world.exp, world.run1
    folders = {world.root(r), f"{world.root(r)}/", f"{world.root(r)}//", f"{e}/{r}%2fartifacts",
               f"{e}%2f{r}%2fartifacts%2f", world.model_root}  # fmt: skip
    problems: list[str] = []
    for path in root_like_paths(world):
        targets = [("PUT", f"{ARTIFACTS_API}/{path}"), ("GET", f"{ARTIFACTS_API}/{path}"), ("GET", f"{PRESIGNED}/{path}")]
        if path not in folders:
            targets += [("GET", f"{ARTIFACTS_API}?path={path}")]
            targets += [("POST", f"{MPU}/{step}/{path}") for step in ("create", "complete", "abort")]
        for method, target in targets:
            body = b"PWNED" if method == "PUT" else (b"{}" if method == "POST" else None)
            expect_400(send(secure, world.manager, method, target, body), problems, path == "")
    # Dot and empty segments below a run root too, for upload, download and the tracking API's listing.
    for bad in ("./x.txt", "sub/./a.txt", "sub//a.txt", "%2e/x.txt", "sub/%252e/a.txt", "sub/%c0%ae/a.txt"):
        expect_400(send(secure, world.manager, "PUT", f"{ARTIFACTS_API}/{world.root(world.run1)}/{bad}", b"x"), problems)
        expect_400(send(secure, world.manager, "GET", f"{ARTIFACTS_API}/{world.root(world.run1)}/{bad}"), problems)
        expect_400(send(secure, world.manager, "GET", f"{API}/artifacts/list?run_id={world.run1}&path={bad}"), problems)
    assert_no_problems(problems)
    assert missing_files(secure, world) == []


def test_run_and_logged_model_roots_still_list(secure: SecureServer, world: World) -> None:
    for step in ("create", "complete", "abort"):  # the client then falls back to a single PUT
        resp = send(secure, world.manager, "POST", f"{MPU}/{step}/{world.root(world.run1)}", b"{}")
        assert resp.status == 501 and resp.json()["error_code"] == "NOT_IMPLEMENTED", resp.describe()
    for root, expected in ((world.root(world.run1), {"f.txt", "model", "modelx", "sub"}),
                           (world.model_root, {"model.pkl"})):  # fmt: skip
        listing = ok(send(secure, world.manager, "GET", f"{ARTIFACTS_API}?path={root}"))
        assert {f["path"] for f in listing.get("files", [])} >= expected
    tracking = ok(send(secure, world.manager, "GET", f"{API}/artifacts/list?run_id={world.run1}"))
    assert {f["path"] for f in tracking.get("files", [])} >= {"f.txt", "model", "sub"}


def test_files_of_registered_versions_cannot_be_deleted_or_overwritten(secure: SecureServer, world: World) -> None:
    r1, r2 = world.root(world.run1), world.root(world.run2)
    protected = {
        f"{r1}/model": "version 1",
        f"{r1}/model/": "version 1",
        f"{r1}/model/MLmodel": "version 1",
        world.model_root + "/model.pkl": "version 2",
        f"{r2}/sub": "version 3",
        f"{r2}/sub/deep": "version 3",
        f"{r2}/sub/deep/b.txt": "version 3",
    }
    problems: list[str] = []
    for user in (world.manager, SECURE_ADMIN):
        for path, version in protected.items():
            resp = send(secure, user, "DELETE", f"{ARTIFACTS_API}/{path}")
            expect_400(resp, problems)
            if resp.status == 400 and (world.model not in resp.text or version not in resp.text):
                problems.append(f"the message should name {world.model} {version}: {resp.describe()}")
        for path in (f"{r1}/model/MLmodel", f"{r1}/model/new.pkl", f"{r2}/sub/deep/b.txt", world.model_root + "/x"):
            expect_400(send(secure, user, "PUT", f"{ARTIFACTS_API}/{path}", b"PWNED"), problems)
    assert_no_problems(problems)
    assert missing_files(secure, world) == []


def test_legitimate_deletes_below_a_run_root_still_work(secure: SecureServer, world: World) -> None:
    """What `mlflow`'s delete_artifacts("<path>") sends: DELETE <run root>/<path>. `modelx` and `mod` share a
    prefix with the registered `model` folder and are not protected by it."""
    r1, r2 = world.root(world.run1), world.root(world.run2)
    for path in (f"{r1}/sub/a.txt", f"{r1}/sub", f"{r1}/modelx", f"{r1}/mod", f"{r2}/f.txt", f"{r2}/sub/a.txt"):
        ok(send(secure, world.manager, "DELETE", f"{ARTIFACTS_API}/{path}"))
        assert send(secure, world.manager, "GET", f"{ARTIFACTS_API}/{path}").status == 404
        for key in [k for k in world.files if k == path or k.startswith(path + "/")]:
            del world.files[key]
    assert missing_files(secure, world) == []


def test_deleting_the_versions_releases_their_files(secure: SecureServer, world: World) -> None:
    admin = secure.api(SECURE_ADMIN)
    target = f"{ARTIFACTS_API}/{world.root(world.run1)}/model/MLmodel"
    ok(admin.request("DELETE", f"{API}/model-versions/delete", json={"name": world.model, "version": "1"}))
    resp = send(secure, world.manager, "DELETE", target)
    assert resp.status == 400 and "version 4" in resp.text, resp.describe()  # v4 is a copy of v1: same files
    ok(admin.request("DELETE", f"{API}/model-versions/delete", json={"name": world.model, "version": "4"}))
    ok(send(secure, world.manager, "DELETE", target))
    del world.files[f"{world.root(world.run1)}/model/MLmodel"]
    assert missing_files(secure, world) == []


# --------------------------------------------------------------------------------------------------------------
# Experiment artifact locations (the server proxies artifacts, the default)


def create(secure: SecureServer, user: str, location: str | None) -> Any:
    body: dict[str, Any] = {"name": f"loc-{uuid.uuid4().hex[:10]}"}
    if location is not None:
        body["artifact_location"] = location
    return secure.api(user).post("experiments/create", body)


def test_experiment_locations_must_be_inside_the_store_and_not_overlap(secure: SecureServer, world: World) -> None:
    artifacts = secure.server.artifacts_dir.resolve()
    db_folder = secure.server.workdir / "db"
    tag = uuid.uuid4().hex[:8]
    ok(create(secure, world.manager, f"mlflow-artifacts:/team-{tag}/proj"))
    refused = [
        "file:///etc", "/etc", "/etc/bosun", "mlflow-artifacts:/", "mlflow-artifacts:", "mlflow-artifacts:///",
        str(artifacts), f"file://{artifacts}", str(artifacts.parent), str(db_folder), f"{db_folder}/x",
        f"mlflow-artifacts:/{world.exp}", f"mlflow-artifacts:/{world.exp}/mine", f"{artifacts}/{world.exp}/mine",
        "mlflow-artifacts:/999999", f"mlflow-artifacts:/team-{tag}", f"mlflow-artifacts:/team-{tag}/proj",
        f"mlflow-artifacts:/team-{tag}/proj/sub", f"{artifacts}/team-{tag}/proj/sub",
        "mlflow-artifacts://evil.example:443/x", "http://127.0.0.1:9/api/2.0/mlflow-artifacts/artifacts/x",
        "s3://bucket/x", "relative/folder", "runs:/abc/model",
    ]  # fmt: skip
    problems: list[str] = []
    for location in refused:
        resp = create(secure, world.manager, location)
        if resp.status_code != 400 or resp.json().get("error_code") != IPV:
            problems.append(f"expected 400 {IPV} for {location!r}: {resp.status_code} {resp.text[:300]}")
    assert_no_problems(problems)
    # Prefix-safe: a sibling whose name starts with the same letters is fine; so is a folder under the destination.
    ok(create(secure, world.manager, f"mlflow-artifacts:/team-{tag}/proj2"))
    ok(create(secure, world.manager, f"{artifacts}/local-{tag}"))
    # The default location stays what the mlflow client expects.
    created = ok(create(secure, world.manager, None))["experiment_id"]
    got = ok(secure.api(world.manager).get("experiments/get", {"experiment_id": created}))["experiment"]
    assert got["artifact_location"] == f"mlflow-artifacts:/{created}"


def test_a_deleted_experiments_location_stays_taken(secure: SecureServer, world: World) -> None:
    location = f"mlflow-artifacts:/gone-{uuid.uuid4().hex[:8]}"
    exp = ok(create(secure, world.manager, location))["experiment_id"]
    ok(secure.api(world.manager).post("experiments/delete", {"experiment_id": exp}))
    resp = create(secure, world.manager, location)
    assert_error(resp, 400, IPV)
    assert f"experiment {exp}" in resp.json()["message"], resp.text
    ok(secure.api(world.manager).post("experiments/restore", {"experiment_id": exp}))
