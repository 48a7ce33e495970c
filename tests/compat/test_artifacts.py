"""Artifacts through the server's proxy: upload, list and download of nested folders."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow


def _dst(tmp_path: Path, name: str) -> str:
    """A fresh download folder (2.x clients require it to exist)."""
    path = tmp_path / name
    path.mkdir()
    return str(path)


def _make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "top.txt": b"top level\n",
        "sub/b.txt": "sub file ✓\n".encode(),
        "sub/deeper/c.json": b'{"c": 3}',
        "sub/deeper/deepest/blob.bin": os.urandom(300_000),
        "other/empty.txt": b"",
        "with space/name with space.txt": b"spaces",
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)).replace(os.sep, "/"): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_log_artifacts_nested_and_download(client, experiment_id, tmp_path):
    source = tmp_path / "source"
    files = _make_tree(source)
    single = tmp_path / "single.csv"
    single.write_text("a,b\n1,2\n")

    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source), artifact_path="bundle")
        mlflow.log_artifact(str(single))
        mlflow.log_artifact(str(single), artifact_path="tables/2024")
    run_id = run.info.run_id

    root = {(f.path, f.is_dir) for f in client.list_artifacts(run_id)}
    assert root == {("bundle", True), ("single.csv", False), ("tables", True)}
    bundle = {(f.path, f.is_dir) for f in client.list_artifacts(run_id, "bundle")}
    assert bundle == {
        ("bundle/top.txt", False),
        ("bundle/sub", True),
        ("bundle/other", True),
        ("bundle/with space", True),
    }
    deeper = {f.path: f for f in client.list_artifacts(run_id, "bundle/sub/deeper")}
    assert set(deeper) == {"bundle/sub/deeper/c.json", "bundle/sub/deeper/deepest"}
    assert deeper["bundle/sub/deeper/c.json"].file_size == len(files["sub/deeper/c.json"])
    assert deeper["bundle/sub/deeper/deepest"].is_dir
    blob = client.list_artifacts(run_id, "bundle/sub/deeper/deepest")
    assert [(f.path, f.file_size) for f in blob] == [("bundle/sub/deeper/deepest/blob.bin", 300_000)]
    # listing a file or a missing folder yields nothing
    assert client.list_artifacts(run_id, "bundle/top.txt") == []
    assert client.list_artifacts(run_id, "no/such/folder") == []

    # whole folder, recursively
    local = client.download_artifacts(run_id, "bundle", dst_path=_dst(tmp_path, "dl1"))
    assert _read_tree(Path(local)) == files
    # a subfolder, through the fluent helper and a runs:/ URI
    local_sub = mlflow.artifacts.download_artifacts(
        artifact_uri=f"runs:/{run_id}/bundle/sub", dst_path=_dst(tmp_path, "dl2")
    )
    assert _read_tree(Path(local_sub)) == {k[len("sub/") :]: v for k, v in files.items() if k.startswith("sub/")}
    # single files
    local_file = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="tables/2024/single.csv", dst_path=_dst(tmp_path, "dl3")
    )
    assert Path(local_file).read_text() == "a,b\n1,2\n"
    blob_path = client.download_artifacts(run_id, "bundle/sub/deeper/deepest/blob.bin", _dst(tmp_path, "dl4"))
    assert Path(blob_path).read_bytes() == files["sub/deeper/deepest/blob.bin"]
    spaced = client.download_artifacts(run_id, "bundle/with space/name with space.txt", _dst(tmp_path, "dl5"))
    assert Path(spaced).read_bytes() == b"spaces"

    # the whole run
    everything = Path(client.download_artifacts(run_id, "", _dst(tmp_path, "dl6")))
    tree = _read_tree(everything)
    assert tree["single.csv"] == b"a,b\n1,2\n"
    assert tree["tables/2024/single.csv"] == b"a,b\n1,2\n"
    assert tree["bundle/sub/deeper/c.json"] == b'{"c": 3}'
    assert len(tree) == len(files) + 2


def test_artifacts_are_separate_per_run(client, experiment_id, tmp_path):
    path = tmp_path / "same-name.txt"
    path.write_text("first")
    with mlflow.start_run() as first:
        mlflow.log_artifact(str(path))
    path.write_text("second")
    with mlflow.start_run() as second:
        mlflow.log_artifact(str(path))
    assert first.info.artifact_uri != second.info.artifact_uri
    assert mlflow.artifacts.load_text(f"runs:/{first.info.run_id}/same-name.txt") == "first"
    assert mlflow.artifacts.load_text(f"runs:/{second.info.run_id}/same-name.txt") == "second"


def test_overwrite_artifact_in_same_run(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_text("v1", "state.txt")
        mlflow.log_text("version two", "state.txt")
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/state.txt") == "version two"
    [info] = client.list_artifacts(run.info.run_id)
    assert info.path == "state.txt" and info.file_size == len("version two")


def test_large_artifact_round_trip(client, experiment_id, tmp_path):
    """Bigger than the server's default JSON body limit (64 MiB): artifact bodies must not go through it."""
    chunk = os.urandom(1024 * 1024)
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        for _ in range(70):
            handle.write(chunk)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big), artifact_path="large")
    [info] = client.list_artifacts(run.info.run_id, "large")
    assert info.file_size == 70 * 1024 * 1024
    downloaded = Path(client.download_artifacts(run.info.run_id, "large/big.bin", _dst(tmp_path, "dl")))
    assert downloaded.stat().st_size == 70 * 1024 * 1024
    with downloaded.open("rb") as handle:
        assert handle.read(len(chunk)) == chunk
        handle.seek(-len(chunk), os.SEEK_END)
        assert handle.read() == chunk
    big.unlink()
    downloaded.unlink()


def test_ranged_download_beside_the_client_download(client, bosun_server, experiment_id, tmp_path):
    """The client's download still gets the whole file; a `Range` request to the same routes gets 206 and the part."""
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.rest_utils import http_request

    data = os.urandom(200_000)
    source = tmp_path / "weights.bin"
    source.write_bytes(data)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(source), artifact_path="model")
    run_id = run.info.run_id
    downloaded = Path(client.download_artifacts(run_id, "model/weights.bin", _dst(tmp_path, "dl")))
    assert downloaded.read_bytes() == data

    # The client's own credentials and HTTP helper (signed in as the suite's user in every auth mode).
    creds = get_default_host_creds(bosun_server.url)
    root = client.get_run(run_id).info.artifact_uri
    targets = [("/get-artifact", {"run_id": run_id, "path": "model/weights.bin"})]
    if root.startswith("mlflow-artifacts:"):
        store_path = root.split(":", 1)[1].lstrip("/")
        targets.append((f"/api/2.0/mlflow-artifacts/artifacts/{store_path}/model/weights.bin", {}))

    def get(endpoint: str, params: dict[str, str], range_header: str):
        return http_request(
            creds, endpoint, "GET", params=params, extra_headers={"Range": range_header}, raise_on_status=False
        )

    for endpoint, params in targets:
        part = get(endpoint, params, "bytes=1000-1999")
        assert part.status_code == 206, (endpoint, part.status_code, part.text[:200])
        assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
        assert part.content == data[1000:2000]
        tail = get(endpoint, params, "bytes=-10")
        assert tail.status_code == 206 and tail.content == data[-10:]
        past = get(endpoint, params, f"bytes={len(data)}-")
        assert past.status_code == 416
        assert past.headers["Content-Range"] == f"bytes */{len(data)}"
        assert past.json()["error_code"] == "INVALID_PARAMETER_VALUE"
