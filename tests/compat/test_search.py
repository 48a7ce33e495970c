"""search_runs / search_experiments: filters, ordering and paging, through the real client."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

import mlflow
from mlflow.entities import Metric, Param, ViewType
from mlflow.exceptions import MlflowException

BASE_TIME = 1_700_000_000_000


@dataclass
class SearchRuns:
    experiment_id: str
    ids: dict[str, str]  # short name -> run id

    def names(self, runs) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[r.info.run_id] for r in runs]


@pytest.fixture(scope="module")
def search_runs_data(bosun_server) -> SearchRuns:
    """Five active runs and a deleted one with known metrics, params, tags, names, statuses and start times."""
    client = mlflow.MlflowClient(tracking_uri=bosun_server.url)
    experiment_id = client.create_experiment(f"search-runs-{uuid.uuid4().hex[:10]}")
    specs = {
        # short name: (run name, start offset, status, metrics, params, tags)
        "r1": (
            "alpha-one", 1000, "FINISHED",
            {"acc": 0.9, "loss": 0.1}, {"optimizer": "adam", "lr": "0.01"}, {"team": "red", "env": "prod"},
        ),
        "r2": (
            "alpha-two", 2000, "FAILED",
            {"acc": 0.7, "loss": 0.3}, {"optimizer": "sgd", "lr": "0.1"}, {"team": "Red-Team"},
        ),
        "r3": (
            "beta-three", 3000, "RUNNING",
            {"acc": 0.5, "f1 score": 0.4}, {"optimizer": "Adagrad"}, {"team": "blue", "env": "dev", "my tag": "spaced"},
        ),
        "r4": ("gamma-four", 4000, "FINISHED", {}, {"lr": "0.5"}, {}),
        "r5": ("delta-five", 5000, "KILLED", {"acc": 0.95, "loss": 0.05}, {}, {"team": "green"}),
        "gone": ("deleted-six", 6000, "FINISHED", {"acc": 0.99}, {"optimizer": "adam"}, {"team": "red"}),
    }
    ids: dict[str, str] = {}
    for short, (run_name, offset, status, metrics, params, tags) in specs.items():
        run = client.create_run(experiment_id, start_time=BASE_TIME + offset, run_name=run_name, tags=tags)
        run_id = run.info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, BASE_TIME + offset, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
        )
        if status != "RUNNING":
            client.set_terminated(run_id, status=status, end_time=BASE_TIME + offset + 500)
        ids[short] = run_id
    client.delete_run(ids["gone"])
    return SearchRuns(experiment_id, ids)


def _search(client, data: SearchRuns, filter_string: str = "", **kwargs) -> list[str]:
    return data.names(client.search_runs([data.experiment_id], filter_string, **kwargs))


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("", ["r5", "r4", "r3", "r2", "r1"]),  # default order: start_time DESC
        ("metrics.acc > 0.6", ["r5", "r2", "r1"]),
        ("metrics.acc >= 0.7 and metrics.loss < 0.2", ["r5", "r1"]),
        ("metrics.acc = 0.5", ["r3"]),
        ("metrics.acc != 0.5", ["r5", "r2", "r1"]),
        ("metrics.loss <= 0.3 AND params.lr = '0.1'", ["r2"]),
        ("params.optimizer = 'adam'", ["r1"]),
        ("params.optimizer != 'adam'", ["r3", "r2"]),
        ("params.optimizer LIKE 'a%'", ["r1"]),
        ("params.optimizer ILIKE 'a%'", ["r3", "r1"]),
        ("params.optimizer LIKE '%a_'", ["r3", "r1"]),
        ("params.lr IS NULL", ["r5", "r3"]),
        ("params.lr IS NOT NULL", ["r4", "r2", "r1"]),
        ("tags.team = 'red'", ["r1"]),
        ("tags.team LIKE 'Red%'", ["r2"]),
        ("tags.team ILIKE 'red%'", ["r2", "r1"]),
        ("tags.`env` = 'prod'", ["r1"]),
        ('tags."team" = "blue"', ["r3"]),
        ("attributes.status = 'FAILED'", ["r2"]),
        ("attributes.status != 'FINISHED'", ["r5", "r3", "r2"]),
        ("attributes.run_name = 'beta-three'", ["r3"]),
        ("attributes.run_name LIKE 'alpha%'", ["r2", "r1"]),
        ("attributes.run_name ILIKE '%FOUR'", ["r4"]),
        (f"attributes.start_time >= {BASE_TIME + 3000}", ["r5", "r4", "r3"]),
        (f"attributes.start_time < {BASE_TIME + 3000} and metrics.acc > 0.8", ["r1"]),
        (f"attributes.end_time > {BASE_TIME + 3000}", ["r5", "r4"]),
        ("tags.mlflow.runName = 'gamma-four'", ["r4"]),
        ("tags.`my tag` = 'spaced'", ["r3"]),
        ("metrics.`f1 score` < 1", ["r3"]),
    ],
)
def test_search_runs_filters(client, search_runs_data, filter_string, expected):
    assert _search(client, search_runs_data, filter_string) == expected


def test_search_runs_run_id_in(client, search_runs_data):
    ids = search_runs_data.ids
    found = _search(client, search_runs_data, f"attributes.run_id IN ('{ids['r1']}', '{ids['r4']}')")
    assert found == ["r4", "r1"]
    found = _search(client, search_runs_data, f"attributes.run_id NOT IN ('{ids['r1']}', '{ids['r4']}')")
    assert found == ["r5", "r3", "r2"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["metrics.acc DESC"], ["r5", "r1", "r2", "r3", "r4"]),  # r4 has no acc: last
        (["metrics.acc ASC"], ["r3", "r2", "r1", "r5", "r4"]),  # ... in both directions
        (["metrics.acc"], ["r3", "r2", "r1", "r5", "r4"]),
        (["attributes.start_time ASC"], ["r1", "r2", "r3", "r4", "r5"]),
        (["start_time DESC"], ["r5", "r4", "r3", "r2", "r1"]),
        (["params.optimizer ASC"], ["r3", "r1", "r2", "r5", "r4"]),  # no optimizer: last, then start_time DESC
        (["attributes.run_name DESC"], ["r4", "r5", "r3", "r2", "r1"]),
        (["metrics.loss DESC", "attributes.start_time ASC"], ["r2", "r1", "r5", "r3", "r4"]),
        (["tags.env ASC"], ["r3", "r1", "r5", "r4", "r2"]),
    ],
)
def test_search_runs_order_by(client, search_runs_data, order_by, expected):
    assert _search(client, search_runs_data, order_by=order_by) == expected


@pytest.mark.parametrize(
    "bad_filter",
    ["metrics.acc > 'high'", "params.optimizer = adam", "metrics.acc > 1 OR metrics.acc < 0", "nonsense.key = 'x'"],
)
def test_search_runs_invalid_filter(client, search_runs_data, bad_filter):
    with pytest.raises(MlflowException) as excinfo:
        client.search_runs([search_runs_data.experiment_id], bad_filter)
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"


def test_search_runs_view_types(client, search_runs_data):
    active = _search(client, search_runs_data, run_view_type=ViewType.ACTIVE_ONLY)
    deleted = _search(client, search_runs_data, run_view_type=ViewType.DELETED_ONLY)
    everything = _search(client, search_runs_data, run_view_type=ViewType.ALL)
    assert deleted == ["gone"]
    assert "gone" not in active
    assert everything == ["gone", *active]


def test_search_runs_paging_with_order(client, search_runs_data):
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.search_runs(
            [search_runs_data.experiment_id], order_by=["metrics.acc DESC"], max_results=2, page_token=token
        )
        seen += search_runs_data.names(page)
        pages += 1
        token = page.token
        if not token:
            break
        assert pages < 10, "paging does not end"
    assert seen == ["r5", "r1", "r2", "r3", "r4"]
    assert pages == 3


def test_fluent_search_runs_dataframe(search_runs_data, bosun_server):
    df = mlflow.search_runs(
        experiment_ids=[search_runs_data.experiment_id],
        filter_string="metrics.acc > 0.6",
        order_by=["metrics.acc ASC"],
    )
    ids = search_runs_data.ids
    assert list(df["run_id"]) == [ids["r2"], ids["r1"], ids["r5"]]
    assert list(df["metrics.acc"]) == [0.7, 0.9, 0.95]
    assert list(df["params.optimizer"].fillna("<none>")) == ["sgd", "adam", "<none>"]
    assert list(df["tags.team"]) == ["Red-Team", "red", "green"]
    assert list(df["status"]) == ["FAILED", "FINISHED", "KILLED"]

    experiment = mlflow.MlflowClient().get_experiment(search_runs_data.experiment_id)
    by_name = mlflow.search_runs(experiment_names=[experiment.name], filter_string="params.optimizer = 'adam'")
    assert list(by_name["run_id"]) == [ids["r1"]]

    as_list = mlflow.search_runs(
        experiment_ids=[search_runs_data.experiment_id], filter_string="tags.team = 'blue'", output_format="list"
    )
    assert [r.info.run_id for r in as_list] == [ids["r3"]]

    everywhere = mlflow.search_runs(
        search_all_experiments=True, filter_string=f"attributes.run_id = '{ids['r4']}'", output_format="list"
    )
    assert [r.info.run_id for r in everywhere] == [ids["r4"]]


# --------------------------------------------------------------------------------------------------------------
# More than 1,000 runs: the page size the client asks for by default.

MANY = 1100


@pytest.fixture(scope="module")
def many_runs(bosun_server) -> str:
    client = mlflow.MlflowClient(tracking_uri=bosun_server.url)
    experiment_id = client.create_experiment(f"many-runs-{uuid.uuid4().hex[:10]}")

    def make(i: int) -> None:
        run = client.create_run(
            experiment_id, start_time=BASE_TIME + i, run_name=f"run-{i:04d}", tags={"bucket": str(i % 3)}
        )
        client.log_batch(
            run.info.run_id, metrics=[Metric("idx", float(i), BASE_TIME + i, 0)], params=[Param("i", str(i))]
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make, range(MANY)))
    return experiment_id


def _index(run) -> int:
    return int(run.data.params["i"])


def test_search_runs_pages_past_1000(client, many_runs):
    first = client.search_runs([many_runs])  # default max_results=1000
    assert len(first) == 1000
    assert first.token
    assert [_index(r) for r in first[:3]] == [1099, 1098, 1097]  # start_time DESC
    second = client.search_runs([many_runs], page_token=first.token)
    assert len(second) == MANY - 1000
    assert not second.token
    indexes = [_index(r) for r in first] + [_index(r) for r in second]
    assert indexes == list(range(MANY - 1, -1, -1))


def test_search_runs_small_pages_ordered_by_metric(client, many_runs):
    indexes: list[int] = []
    token = None
    for _ in range(10):
        page = client.search_runs([many_runs], order_by=["metrics.idx ASC"], max_results=400, page_token=token)
        indexes += [_index(r) for r in page]
        token = page.token
        if not token:
            break
    assert indexes == list(range(MANY))
    assert not token


def test_search_runs_large_page_and_filters(client, many_runs):
    everything = client.search_runs([many_runs], max_results=5000)
    assert len(everything) == MANY
    assert not everything.token
    assert all(r.data.metrics["idx"] == _index(r) for r in everything)

    bucket_one = client.search_runs([many_runs], "tags.bucket = '1'", max_results=5000)
    assert sorted(_index(r) for r in bucket_one) == list(range(1, MANY, 3))


def test_fluent_search_runs_gets_every_page(many_runs, bosun_server):
    df = mlflow.search_runs(experiment_ids=[many_runs])
    assert len(df) == MANY
    assert df["run_id"].is_unique
    assert sorted(df["params.i"].astype(int)) == list(range(MANY))

    limited = mlflow.search_runs(experiment_ids=[many_runs], max_results=1050, order_by=["metrics.idx DESC"])
    assert list(limited["metrics.idx"].astype(int)) == list(range(MANY - 1, MANY - 1051, -1))

    tail = mlflow.search_runs(experiment_ids=[many_runs], filter_string="metrics.idx >= 1000")
    assert sorted(tail["metrics.idx"].astype(int)) == list(range(1000, MANY))


# --------------------------------------------------------------------------------------------------------------
# search_experiments


@pytest.fixture(scope="module")
def experiment_family(bosun_server) -> tuple[str, dict[str, str]]:
    client = mlflow.MlflowClient(tracking_uri=bosun_server.url)
    prefix = f"Fam{uuid.uuid4().hex[:8]}"
    ids = {}
    for i in range(7):
        name = f"{prefix}-{i:02d}"
        ids[name] = client.create_experiment(name, tags={"group": "even" if i % 2 == 0 else "odd", "n": str(i)})
    client.delete_experiment(ids[f"{prefix}-06"])
    return prefix, ids


def test_search_experiments_filters(client, experiment_family):
    prefix, ids = experiment_family

    def names(filter_string, **kwargs):
        return [e.name for e in client.search_experiments(filter_string=filter_string, order_by=["name ASC"], **kwargs)]

    active = [f"{prefix}-{i:02d}" for i in range(6)]
    assert names(f"name LIKE '{prefix}-%'") == active
    assert names(f"name ILIKE '{prefix.upper()}-%'") == active
    assert names(f"name LIKE '{prefix.upper()}-%'") == []
    assert names(f"name = '{prefix}-03'") == [f"{prefix}-03"]
    assert names(f"name LIKE '{prefix}-%' AND tags.group = 'even'") == [f"{prefix}-00", f"{prefix}-02", f"{prefix}-04"]
    assert names(f"name LIKE '{prefix}-%' AND tags.n != '1' AND tags.group = 'odd'") == [f"{prefix}-03", f"{prefix}-05"]
    assert names(f"name LIKE '{prefix}-%' AND tags.n ILIKE '%5'") == [f"{prefix}-05"]
    assert names(f"name LIKE '{prefix}-%' AND creation_time > 0") == active
    assert names(f"name LIKE '{prefix}-%'", view_type=ViewType.DELETED_ONLY) == [f"{prefix}-06"]
    assert names(f"name LIKE '{prefix}-%'", view_type=ViewType.ALL) == [*active, f"{prefix}-06"]

    descending = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"])
    assert [e.name for e in descending] == active[::-1]
    by_id = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["experiment_id ASC"])
    assert [e.experiment_id for e in by_id] == [ids[n] for n in active]
    found = client.search_experiments(filter_string=f"name = '{prefix}-02'")
    assert found[0].tags == {"group": "even", "n": "2"}


def test_search_experiments_paging(client, experiment_family):
    prefix, _ = experiment_family
    collected: list[str] = []
    sizes: list[int] = []
    token = None
    for _ in range(10):
        page = client.search_experiments(
            filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"], max_results=4, page_token=token
        )
        collected += [e.name for e in page]
        sizes.append(len(page))
        token = page.token
        if not token:
            break
    assert sizes == [4, 2]
    assert collected == [f"{prefix}-{i:02d}" for i in range(6)]

    fluent = mlflow.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"])
    assert [e.name for e in fluent] == collected
