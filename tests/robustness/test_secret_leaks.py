"""No password, API token or secret value ever lands in the server's logs (at trace level, the most verbose),
in the audit log, or in plain text in the database, whatever route carried it: sign-ins (good and bad), user
creation and password changes over HTTP, token creation and use, secrets written and read, webhook signing
secrets. Runs a real `bosun server --auth --log-level trace` with a master key, then searches everything."""

from __future__ import annotations

import base64
import secrets as pysecrets
import uuid
from pathlib import Path
from urllib.parse import quote

import requests

from robustness_support import PATIENCE_S, cli_ok, make_secure_server


def test_no_secret_in_logs_audit_or_database(
    bosun_build: Path, backend_kind: str, tmp_path: Path
) -> None:
    master_key = tmp_path / "master.key"
    master_key.write_text(base64.b64encode(pysecrets.token_bytes(32)).decode())
    master_key.chmod(0o600)
    secure = make_secure_server(tmp_path / "srv", backend_kind, "READ")
    secure.server.extra_env.update(
        BOSUN_LOG_LEVEL="trace", BOSUN_MASTER_KEY_FILE=str(master_key), BOSUN_WEBHOOK_ALLOW_PRIVATE="true"
    )
    secure.start()
    url = secure.url
    admin = (secure.server.extra_env["BOSUN_ADMIN_USERNAME"], secure.server.extra_env["BOSUN_ADMIN_PASSWORD"])
    marker = uuid.uuid4().hex[:10]
    leaks = {
        "admin password": admin[1],
        "alice password": secure.passwords["alice"],
        "new user's password": f"Carol-{marker}-Pass!",
        "changed password": f"Changed-{marker}-Pass!",
        "wrong password": f"Wrong-{marker}-Guess!",
        "secret value": f"s3cr3t-{marker}-value",
        "webhook signing secret": f"whsec-{marker}-signing",
    }
    try:
        # Sign-ins, good and bad (Basic credentials are base64 on the wire: search for that form too).
        assert requests.get(f"{url}/api/2.0/mlflow/experiments/search", auth=admin, timeout=PATIENCE_S).status_code == 200
        bad = requests.get(f"{url}/api/2.0/mlflow/experiments/search", auth=("alice", leaks["wrong password"]), timeout=PATIENCE_S)
        assert bad.status_code == 401
        # Users over HTTP: creation, a password change, a token (and its use).
        made = requests.post(f"{url}/api/2.0/mlflow/users/create", auth=admin, timeout=PATIENCE_S,
                             json={"username": f"carol{marker}", "password": leaks["new user's password"]})  # fmt: skip
        assert made.status_code == 200, made.text
        changed = requests.patch(f"{url}/api/2.0/mlflow/users/update-password", auth=admin, timeout=PATIENCE_S,
                                 json={"username": f"carol{marker}", "password": leaks["changed password"]})  # fmt: skip
        assert changed.status_code == 200, changed.text
        token = requests.post(f"{url}/api/bosun/v1/users/alice/tokens", auth=("alice", secure.passwords["alice"]),
                              json={"name": "ci"}, timeout=PATIENCE_S)  # fmt: skip
        assert token.status_code == 200, token.text
        token_value = token.json()["token"]
        leaks["api token"] = token_value
        used = requests.get(f"{url}/api/2.0/mlflow/experiments/search", timeout=PATIENCE_S,
                            headers={"Authorization": f"Bearer {token_value}"})  # fmt: skip
        assert used.status_code == 200
        cli_token = cli_ok("users", "token", "create", "--username", "alice", "--name", "cli",
                           "--backend-store-uri", secure.server.backend.uri).strip().splitlines()[-1]  # fmt: skip
        leaks["cli token"] = cli_token
        assert requests.get(f"{url}/api/2.0/mlflow/experiments/search", timeout=PATIENCE_S,
                            headers={"Authorization": f"Bearer {cli_token}"}).status_code == 200  # fmt: skip
        # Secrets: written, read back, written with a stale check-and-set (refused).
        path = f"{url}/api/bosun/v1/secrets/data/app/{marker}"
        assert requests.put(path, auth=admin, json={"value": leaks["secret value"]}, timeout=PATIENCE_S).status_code == 200
        assert requests.get(path, auth=admin, timeout=PATIENCE_S).json()["value"] == leaks["secret value"]
        assert requests.put(path, auth=admin, json={"value": leaks["secret value"], "cas": 9}, timeout=PATIENCE_S).status_code == 409
        # A webhook with its signing secret (on a loopback port nobody listens on; deliveries fail and are retried).
        hook = requests.post(f"{url}/api/bosun/v1/webhooks", auth=admin, timeout=PATIENCE_S,
                             json={"url": "http://127.0.0.1:9/bosun-hook", "events": ["model_version.created"],
                                   "secret": leaks["webhook signing secret"]})  # fmt: skip
        assert hook.status_code == 200, hook.text
        assert leaks["webhook signing secret"] not in hook.text
        audit = requests.get(f"{url}/api/bosun/v1/audit-log?max_results=1000", auth=admin, timeout=PATIENCE_S)
        assert audit.status_code == 200
        audit_text = audit.text
        assert "users/create" in audit_text and "secrets/data" in audit_text  # the requests were recorded
    finally:
        secure.server.stop()

    log = secure.server.log_text()
    assert "/api/2.0/mlflow/users/create" in log, "trace logging did not log the request lines"
    database = b""
    if backend_kind == "sqlite":
        db_dir = Path(secure.server.backend.uri.removeprefix("sqlite:///")).parent
        database = b"".join(p.read_bytes() for p in db_dir.iterdir() if p.is_file())
    for what, value in leaks.items():
        forms = {value, quote(value, safe=""), base64.b64encode(value.encode()).decode()}
        for user in ("alice", secure.server.extra_env["BOSUN_ADMIN_USERNAME"]):
            forms.add(base64.b64encode(f"{user}:{value}".encode()).decode())
        for form in forms:
            assert form not in log, f"{what} appears in the server log"
            assert form not in audit_text, f"{what} appears in the audit log"
            assert form.encode() not in database, f"{what} appears in plain text in the database files"
