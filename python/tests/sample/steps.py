"""Steps for the tests: module-level functions, as the decorators require."""

from __future__ import annotations

from typing import Annotated, List, Literal, NamedTuple

from bosun_pipelines import Dataset, DriftReport, Input, Length, Model, Output, Pattern, Range, command_step, step


class Scores(NamedTuple):
    accuracy: float
    passed: bool


@step
def load(rows: Annotated[int, Range(min=1, max=1000)], name: Annotated[str, Pattern("^[a-z]+$")] = "iris", table: Output[Dataset] = None) -> None:  # type: ignore[assignment]
    """Load a table.

    More text that is not the description."""


@step(requirements=["numpy==2.0.0"], timeout="10m")
def fit(data: Input[Dataset], lr: float, model: Output[Model]) -> float:
    return lr


@step
def score(model: Input[Model], mode: Literal["fast", "slow"] = "fast") -> Scores:
    return Scores(0.9, True)


@step
def best(scores: List[float], models: Annotated[List[Model], Length(min=1)]) -> int:
    return 0


@step
def takes_int(n: int) -> None:
    pass


shell = command_step(
    "shell",
    ["sh", "-c", "echo {{inputs.text}} > {{outputs.out}}"],
    inputs={"text": str},
    outputs={"out": Dataset},
)


@step(image="registry.example.com/ml/train:1.4")
def imaged(rows: int) -> None:
    """Runs in its own image on the Kubernetes executor."""


@step
def retrain_on(drift_report: Input[DriftReport], data: Input[Dataset]) -> float:
    """Read the alert's drift report and return its drift share."""
    import json
    import os

    with open(os.path.join(drift_report.path, "report.json")) as f:
        return float(json.load(f)["dataset"]["driftShare"])
