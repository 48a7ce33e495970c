"""The example pipeline written with Bosun's Python decorators.

The same document as train-classifier.yaml and train-classifier.ts (src/pipelines/dsl/cross-language.test.ts
checks that all three are equal). Compile it from the repository's root folder:

    pip install ./python
    python -m bosun_pipelines compile examples.pipelines.train_classifier:train_classifier -o pipeline.yaml

The step functions below are what the steps run; the pipeline function only says how they connect. Compiling
needs neither scikit-learn nor a server: the step functions import their libraries when they run.
"""

from __future__ import annotations

import pickle
from typing import Annotated, Dict, List, Literal, NamedTuple, Sequence

from bosun_pipelines import (
    Backoff,
    Cache,
    Dataset,
    Defaults,
    Input,
    Length,
    Model,
    Output,
    Range,
    Ref,
    Resources,
    Retry,
    approval,
    for_each,
    on_exit,
    pipeline,
    pipeline_status,
    script_step,
    step,
    when,
)

SKLEARN = ["scikit-learn==1.5.2"]


class Trained(NamedTuple):
    accuracy: float


class Registered(NamedTuple):
    version: str


prepare = script_step(
    "prepare",
    path="examples/pipelines/prepare_data.py",
    args=["--rows", "{{inputs.rows}}", "--out", "{{outputs.table}}"],
    inputs={"rows": int},
    outputs={"table": Dataset},
    requirements=SKLEARN,
    description="Load and split the data set.",
)


@step(requirements=SKLEARN, resources=Resources(resource_class="cpu-small"))
def train(data: Input[Dataset], learning_rate: float, model: Output[Model]) -> Trained:
    """Fit a model with one learning rate."""
    from sklearn.linear_model import SGDClassifier

    with open(data.path, "rb") as handle:
        x_train, x_test, y_train, y_test = pickle.load(handle)
    classifier = SGDClassifier(learning_rate="constant", eta0=learning_rate, random_state=0)
    classifier.fit(x_train, y_train)
    with open(model.path, "wb") as handle:
        pickle.dump(classifier, handle)
    return Trained(accuracy=float(classifier.score(x_test, y_test)))


class Best(NamedTuple):
    accuracy: float


@step
def pick_best(models: List[Model], accuracies: List[float], model: Output[Model]) -> Best:
    """Keep the most accurate model."""
    import shutil

    best = max(range(len(accuracies)), key=lambda i: accuracies[i])
    shutil.copyfile(models[best].path, model.path)
    return Best(accuracy=accuracies[best])


@step(requirements=SKLEARN)
def register(model: Input[Model], name: str, accuracy: float) -> Registered:
    """Register the best model; its accuracy is logged on this step's run for the promotion policy."""
    import mlflow
    import mlflow.sklearn

    with open(model.path, "rb") as handle:
        classifier = pickle.load(handle)
    mlflow.start_run()  # resumes this step's own run (Bosun sets MLFLOW_RUN_ID), the model version's source run
    mlflow.log_metric("accuracy", accuracy)
    info = mlflow.sklearn.log_model(classifier, name="model", registered_model_name=name)
    return Registered(version=str(info.registered_model_version))


@step
def promote(name: str, version: str) -> None:
    """Move the alias `champion` to the approved version: the model's promotion policy decides."""
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(name, "champion", version)


notify = script_step(
    "notify",
    path="examples/pipelines/notify.py",
    args=["--status", "{{inputs.status}}"],
    inputs={"status": Literal["succeeded", "failed", "cancelled"]},
    secrets={"SLACK_WEBHOOK_URL": "team/slack-webhook"},
    cache=Cache(enabled=False),
    description="Tell the team how the run ended.",
)


@pipeline(
    name="train-classifier",
    labels={"team": "ml-platform"},
    defaults=Defaults(retry=Retry(limit=2, backoff=Backoff(initial="10s", factor=2, max="5m")), timeout="30m"),
)
def train_classifier(
    rows: Annotated[int, Range(min=10)] = 150,
    learning_rates: Annotated[Sequence[float], Length(min=1)] = (0.1, 0.03, 0.01),
    min_accuracy: Annotated[float, Range(min=0, max=1)] = 0.8,
    model_name: str = "iris-classifier",
) -> Dict[str, Ref]:
    """Train one classifier per learning rate, keep the best, register it, and promote it to champion once a person
    approves."""
    prepared = prepare(rows=rows)
    with for_each(learning_rates, concurrency=2) as learning_rate:
        trained = train(data=prepared.outputs["table"], learning_rate=learning_rate)
    best = pick_best(models=trained.outputs["model"], accuracies=trained.outputs["accuracy"])
    with when(best.outputs["accuracy"] >= min_accuracy):
        registered = register(model=best.outputs["model"], name=model_name, accuracy=best.outputs["accuracy"])
        registered.set_cache(enabled=False)
        approved = approval(
            "approve",
            message="Promote {{inputs.model_name}} version {{inputs.model_version}} (accuracy {{inputs.accuracy}})?",
            timeout="3d",
            model={"name": "model_name", "version": "model_version", "champion_alias": "champion"},
            inputs={
                "accuracy": best.outputs["accuracy"],
                "model_name": model_name,
                "model_version": registered.outputs["version"],
            },
        )
        promoted = promote(name=model_name, version=registered.outputs["version"]).after(approved)
        promoted.set_cache(enabled=False).set_retry(limit=0)  # a refusal is not retried
    with on_exit():
        notify(status=pipeline_status())
    return {"model": best.outputs["model"]}
