"""MLflow's own user and permission client (``mlflow.server.get_app_client("basic-auth", ...)``, the
``AuthServiceClient``) against a Bosun server with authentication on (SQLite).

Starts its own ``bosun server --auth`` with the first administrator from BOSUN_ADMIN_USERNAME/PASSWORD. The client
signs in the way MLflow documents: MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD.

The 2.x client manages grants with ``create/get/update/delete_experiment_permission`` and the registered-model
equivalents; the 3.x client (3.17) dropped those for ``grant/get/revoke_user_permission``. Each client's tests
exist only for that client (they are not skipped for the other).

The client module lives in the ``mlflow.server.auth`` package, whose ``__init__`` is MLflow's Flask server app and
needs server-only extras (Flask-WTF for 3.x; SQLAlchemy < 2.1 for 2.22). A client-only environment cannot import
it, so the package is registered without running its ``__init__``; the client code itself is MLflow's, unchanged.
"""

from __future__ import annotations

import importlib
import sys
import types
import uuid
from pathlib import Path

import pytest
import requests

import mlflow
import mlflow.server
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from auth_server import CREDENTIAL_VARS, AuthServer
from conftest import IS_MLFLOW_3

ADMIN = "client-admin"
ADMIN_PASSWORD = "Client-Admin-Pass-2024!"
USER_PASSWORD = "Client-User-Pass-2024!"


def _register_auth_package() -> None:
    name = "mlflow.server.auth"
    if name in sys.modules:
        return
    try:
        importlib.import_module(name)
    except ImportError:
        package = types.ModuleType(name)
        package.__path__ = [str(Path(mlflow.server.__file__).parent / "auth")]
        sys.modules[name] = package


_register_auth_package()


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory):
    server = AuthServer(tmp_path_factory.mktemp("bosun-auth-client"), ADMIN, ADMIN_PASSWORD)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert ADMIN_PASSWORD not in log and USER_PASSWORD not in log, "a password reached the server log"


def _sign_in(monkeypatch: pytest.MonkeyPatch, username: str, password: str) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", username)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", password)


@pytest.fixture
def as_admin(monkeypatch: pytest.MonkeyPatch, auth_server: AuthServer):
    """The basic-auth client, signed in as the administrator."""
    _sign_in(monkeypatch, ADMIN, ADMIN_PASSWORD)
    mlflow.set_tracking_uri(auth_server.url)
    yield mlflow.server.get_app_client("basic-auth", tracking_uri=auth_server.url)
    mlflow.set_tracking_uri(None)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(excinfo: pytest.ExceptionInfo[MlflowException]) -> str:
    return excinfo.value.error_code


def test_create_and_get_user(as_admin) -> None:
    username = _name("user")
    user = as_admin.create_user(username, USER_PASSWORD)
    assert isinstance(user.id, int)
    assert user.username == username
    assert user.is_admin is False
    assert user.password_hash == "REDACTED"
    fetched = as_admin.get_user(username)
    assert (fetched.id, fetched.username, fetched.is_admin) == (user.id, username, False)
    if not IS_MLFLOW_3:
        assert fetched.experiment_permissions == []
        assert fetched.registered_model_permissions == []


def test_user_errors(as_admin) -> None:
    username = _name("dup")
    as_admin.create_user(username, USER_PASSWORD)
    with pytest.raises(MlflowException) as taken:
        as_admin.create_user(username, USER_PASSWORD)
    assert _error_code(taken) == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as weak:
        as_admin.create_user(_name("weak"), "short")
    assert _error_code(weak) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as missing:
        as_admin.get_user(_name("nobody"))
    assert _error_code(missing) == "RESOURCE_DOES_NOT_EXIST"


def test_update_user_password(as_admin, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    username = _name("pw")
    as_admin.create_user(username, USER_PASSWORD)
    new_password = "Brand-New-Client-Pass-7"
    as_admin.update_user_password(username, new_password)

    _sign_in(monkeypatch, username, new_password)
    assert MlflowClient(auth_server.url).search_experiments() is not None
    assert as_admin.get_user(username).username == username  # a user may read their own record

    _sign_in(monkeypatch, username, USER_PASSWORD)
    with pytest.raises(MlflowException) as refused:
        MlflowClient(auth_server.url).search_experiments()
    assert "401" in str(refused.value) or "UNAUTHENTICATED" in str(refused.value)


def test_update_user_admin(as_admin, monkeypatch: pytest.MonkeyPatch) -> None:
    username = _name("admin")
    as_admin.create_user(username, USER_PASSWORD)
    as_admin.update_user_admin(username, True)
    assert as_admin.get_user(username).is_admin is True

    _sign_in(monkeypatch, username, USER_PASSWORD)
    other = _name("made-by-new-admin")
    assert as_admin.create_user(other, USER_PASSWORD).username == other

    _sign_in(monkeypatch, ADMIN, ADMIN_PASSWORD)
    as_admin.update_user_admin(username, False)
    assert as_admin.get_user(username).is_admin is False


def test_delete_user(as_admin, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    username = _name("gone")
    as_admin.create_user(username, USER_PASSWORD)
    as_admin.delete_user(username)
    with pytest.raises(MlflowException) as missing:
        as_admin.get_user(username)
    assert _error_code(missing) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as again:
        as_admin.delete_user(username)
    assert _error_code(again) == "RESOURCE_DOES_NOT_EXIST"
    _sign_in(monkeypatch, username, USER_PASSWORD)
    with pytest.raises(MlflowException):
        MlflowClient(auth_server.url).search_experiments()


def test_non_admin_is_refused_user_management(as_admin, monkeypatch: pytest.MonkeyPatch) -> None:
    username = _name("plain")
    victim = _name("victim")
    as_admin.create_user(username, USER_PASSWORD)
    as_admin.create_user(victim, USER_PASSWORD)
    _sign_in(monkeypatch, username, USER_PASSWORD)
    for attempt in (
        lambda: as_admin.create_user(_name("sneaky"), USER_PASSWORD),
        lambda: as_admin.get_user(victim),
        lambda: as_admin.update_user_password(victim, "Taken-Over-Pass-123"),
        lambda: as_admin.update_user_admin(username, True),
        lambda: as_admin.delete_user(victim),
    ):
        with pytest.raises(MlflowException) as refused:
            attempt()
        assert _error_code(refused) == "PERMISSION_DENIED"
    assert as_admin.get_user(username).is_admin is False


if not IS_MLFLOW_3:

    def test_experiment_permissions(as_admin, auth_server: AuthServer) -> None:
        username = _name("exp-user")
        user = as_admin.create_user(username, USER_PASSWORD)
        experiment_id = MlflowClient(auth_server.url).create_experiment(_name("exp"))

        created = as_admin.create_experiment_permission(experiment_id, username, "READ")
        assert (created.experiment_id, created.user_id, created.permission) == (experiment_id, user.id, "READ")
        assert as_admin.get_experiment_permission(experiment_id, username).permission == "READ"
        [listed] = as_admin.get_user(username).experiment_permissions
        assert (listed.experiment_id, listed.permission) == (experiment_id, "READ")

        as_admin.update_experiment_permission(experiment_id, username, "EDIT")
        assert as_admin.get_experiment_permission(experiment_id, username).permission == "EDIT"

        with pytest.raises(MlflowException) as duplicate:
            as_admin.create_experiment_permission(experiment_id, username, "MANAGE")
        assert _error_code(duplicate) == "RESOURCE_ALREADY_EXISTS"

        as_admin.delete_experiment_permission(experiment_id, username)
        with pytest.raises(MlflowException) as gone:
            as_admin.get_experiment_permission(experiment_id, username)
        assert _error_code(gone) == "RESOURCE_DOES_NOT_EXIST"

        with pytest.raises(MlflowException) as unknown:
            as_admin.create_experiment_permission("999999", username, "READ")
        assert _error_code(unknown) == "RESOURCE_DOES_NOT_EXIST"

    def test_registered_model_permissions(as_admin, auth_server: AuthServer) -> None:
        username = _name("model-user")
        user = as_admin.create_user(username, USER_PASSWORD)
        model = _name("model")
        MlflowClient(auth_server.url).create_registered_model(model)

        created = as_admin.create_registered_model_permission(model, username, "READ")
        assert (created.name, created.user_id, created.permission) == (model, user.id, "READ")
        assert as_admin.get_registered_model_permission(model, username).permission == "READ"
        [listed] = as_admin.get_user(username).registered_model_permissions
        assert (listed.name, listed.permission) == (model, "READ")

        as_admin.update_registered_model_permission(model, username, "MANAGE")
        assert as_admin.get_registered_model_permission(model, username).permission == "MANAGE"

        as_admin.delete_registered_model_permission(model, username)
        with pytest.raises(MlflowException) as gone:
            as_admin.get_registered_model_permission(model, username)
        assert _error_code(gone) == "RESOURCE_DOES_NOT_EXIST"

        with pytest.raises(MlflowException) as unknown:
            as_admin.create_registered_model_permission(_name("no-such-model"), username, "READ")
        assert _error_code(unknown) == "RESOURCE_DOES_NOT_EXIST"

    def test_non_manager_cannot_grant(as_admin, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
        username = _name("no-grant")
        as_admin.create_user(username, USER_PASSWORD)
        experiment_id = MlflowClient(auth_server.url).create_experiment(_name("admins-exp"))
        _sign_in(monkeypatch, username, USER_PASSWORD)
        with pytest.raises(MlflowException) as refused:
            as_admin.create_experiment_permission(experiment_id, username, "MANAGE")
        assert _error_code(refused) == "PERMISSION_DENIED"
        # The creator of an experiment manages it, so may grant on it.
        own = MlflowClient(auth_server.url).create_experiment(_name("own-exp"))
        assert as_admin.create_experiment_permission(own, ADMIN, "READ").permission == "READ"

else:

    def test_unified_user_permissions(as_admin, auth_server: AuthServer) -> None:
        username = _name("grant-user")
        as_admin.create_user(username, USER_PASSWORD)
        experiment_id = MlflowClient(auth_server.url).create_experiment(_name("exp"))
        model = _name("model")
        MlflowClient(auth_server.url).create_registered_model(model)

        before = as_admin.get_user_permission(username, "experiment", experiment_id)
        assert (before.allowed, before.permission) == (False, "READ")  # the server's default permission
        as_admin.grant_user_permission(username, "experiment", experiment_id, "EDIT")
        after = as_admin.get_user_permission(username, "experiment", experiment_id)
        assert (after.allowed, after.permission) == (True, "EDIT")
        with pytest.raises(MlflowException) as duplicate:
            as_admin.grant_user_permission(username, "experiment", experiment_id, "MANAGE")
        assert _error_code(duplicate) == "RESOURCE_ALREADY_EXISTS"
        as_admin.revoke_user_permission(username, "experiment", experiment_id)
        assert as_admin.get_user_permission(username, "experiment", experiment_id).permission == "READ"

        as_admin.grant_user_permission(username, "registered_model", model, "MANAGE")
        assert as_admin.get_user_permission(username, "registered_model", model).permission == "MANAGE"
        as_admin.revoke_user_permission(username, "registered_model", model)
        with pytest.raises(MlflowException) as gone:
            as_admin.revoke_user_permission(username, "registered_model", model)
        assert _error_code(gone) == "RESOURCE_DOES_NOT_EXIST"

        with pytest.raises(MlflowException) as unknown:
            as_admin.grant_user_permission(username, "experiment", "999999", "READ")
        assert _error_code(unknown) == "RESOURCE_DOES_NOT_EXIST"

    def test_self_service_password_change(as_admin, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
        username = _name("self")
        as_admin.create_user(username, USER_PASSWORD)
        _sign_in(monkeypatch, username, USER_PASSWORD)
        new_password = "Self-Chosen-Pass-2025!"
        with pytest.raises(MlflowException) as no_current:
            as_admin.update_user_password(username, new_password)
        assert _error_code(no_current) == "INVALID_PARAMETER_VALUE"
        as_admin.update_user_password(username, new_password, current_password=USER_PASSWORD)
        _sign_in(monkeypatch, username, new_password)
        assert as_admin.get_user(username).username == username
