"""What the import suite puts into the MLflow source server, through the `mlflow` client only."""

from __future__ import annotations

import math
import os
from pathlib import Path

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from sklearn.linear_model import LogisticRegression

MODEL_NAME = "import-clf"
STEPS = 5000  # per metric key: a long history, read back from the source page by page
RUNS_PER_EXPERIMENT = (4, 4)
BASE_TIME = 1_790_000_000_000


def _history(client: MlflowClient, run_id: str, seed: int) -> int:
    """Two metric keys of STEPS points each (one NaN and one infinity among them), logged 1,000 at a time."""
    rng = np.random.default_rng(seed)
    points = []
    for step in range(STEPS):
        loss = float(rng.random())
        if step == 17:
            loss = math.nan
        if step == 18:
            loss = math.inf
        points.append(Metric("loss", loss, BASE_TIME + seed * 100_000 + step, step))
        points.append(Metric("accuracy", float(step) / STEPS, BASE_TIME + seed * 100_000 + step, step))
    for i in range(0, len(points), 1000):
        client.log_batch(run_id, metrics=points[i : i + 1000])
    return len(points)


def populate(url: str, workdir: Path) -> dict:
    """Two experiments with several runs each (long histories, params, tags, a dataset input, artifacts, a deleted
    run, a running one), a deleted experiment, and a scikit-learn model registered twice from logged models, with
    an alias, a stage, tags and descriptions. Returns what the test checks by name."""
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    experiments = [
        client.create_experiment("import-churn", tags={"team": "growth", "mlflow.note.content": "churn models"}),
        client.create_experiment("import-forecast", tags={"team": "ops"}),
    ]
    retired = client.create_experiment("import-retired", tags={"team": "gone"})
    run_ids: list[str] = []
    points = 0
    big = os.urandom(3 * 1024 * 1024)
    for e, (experiment_id, count) in enumerate(zip(experiments, RUNS_PER_EXPERIMENT)):
        for i in range(count):
            seed = e * 10 + i
            run = client.create_run(
                experiment_id, run_name=f"run-{e}-{i}", tags={"owner": f"person-{i}"}, start_time=BASE_TIME + seed
            )
            run_id = run.info.run_id
            run_ids.append(run_id)
            client.log_batch(
                run_id,
                params=[Param("lr", str(0.1 / (i + 1))), Param("depth", str(i + 3))],
                tags=[RunTag("mlflow.source.name", "train.py"), RunTag("phase", "import-test")],
            )
            points += _history(client, run_id, seed)
            notes = workdir / f"notes-{seed}.txt"
            notes.write_text(f"notes of run {seed}\n")
            client.log_artifact(run_id, str(notes), "reports")
            client.log_text(run_id, f"config {seed}", "config/settings.yaml")
            if seed == 0:
                blob = workdir / "weights.bin"
                blob.write_bytes(big)
                client.log_artifact(run_id, str(blob), "weights")
            if i == 0:
                import pandas as pd

                dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [1, 2, 3]}), name=f"train-{e}")
                with mlflow.start_run(run_id=run_id):
                    mlflow.log_input(dataset, context="training")
            if i == count - 1:
                continue  # left RUNNING, without an end time
            status = "FAILED" if i == 1 else "FINISHED"
            client.set_terminated(run_id, status=status, end_time=BASE_TIME + seed + 60_000)
    deleted_run = run_ids[2]
    client.delete_run(deleted_run)
    gone = client.create_run(retired, run_name="old")
    client.log_metric(gone.info.run_id, "loss", 1.0, step=0, timestamp=BASE_TIME)
    client.set_terminated(gone.info.run_id)
    run_ids.append(gone.info.run_id)
    client.delete_experiment(retired)

    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    model_runs = []
    mlflow.set_experiment(experiment_id=experiments[0])
    for c in (1.0, 0.5):
        with mlflow.start_run(run_name=f"fit-c{c}") as run:
            mlflow.log_param("C", c)
            mlflow.log_metric("train_accuracy", 1.0)
            fitted = LogisticRegression(C=c).fit(x, y)
            mlflow.sklearn.log_model(fitted, name="model", registered_model_name=MODEL_NAME, input_example=x[:1])
            model_runs.append(run.info.run_id)
    run_ids.extend(model_runs)
    client.update_registered_model(MODEL_NAME, description="churn classifier")
    client.set_registered_model_tag(MODEL_NAME, "team", "growth")
    client.update_model_version(MODEL_NAME, "1", description="first fit")
    client.set_model_version_tag(MODEL_NAME, "1", "validated", "yes")
    client.set_registered_model_alias(MODEL_NAME, "champion", "1")
    client.transition_model_version_stage(MODEL_NAME, "2", "Staging")
    # Loaded once here, before any import: with a local artifact root the client writes a `registered_model_meta`
    # file into the model's folder on first load, which would otherwise change the source between imports.
    reference = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion").predict(x)
    return {
        "predictions": [int(p) for p in reference],
        "run_ids": run_ids,
        "deleted_run": deleted_run,
        "metric_points": points,
        "model_name": MODEL_NAME,
        "probe": x.tolist(),
    }
