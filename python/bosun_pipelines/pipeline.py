"""``@pipeline`` and the blocks used inside one: ``for_each``, ``when``, ``on_exit``; ``approval`` steps."""

from __future__ import annotations

import contextlib
import inspect
import typing
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, TypeVar, Union, overload

from . import build
from .build import Group
from .emit import to_json, to_yaml
from .options import Defaults
from .refs import Condition, ItemRef, ParamRef, PipelineRef, Ref, TriggerRef
from .steps import Task, _first_paragraph, reference_inputs
from .types import PipelineDefinitionError, a_type, check_constant, infer_item_type, type_spec

API_VERSION = "bosun.dev/v1"

STATUS_TYPE = {"type": "enum", "values": ["succeeded", "failed", "cancelled"]}
APPROVAL_OUTPUTS = {"approved": {"type": "bool"}, "comment": {"type": "string"}, "approver": {"type": "string"}}


class PipelineDefinition:
    """A compiled-on-demand pipeline: ``spec()`` runs the decorated function and returns the document."""

    def __init__(
        self,
        func: Callable[..., Any],
        name: str,
        description: Optional[str],
        labels: Optional[Mapping[str, str]],
        defaults: Optional[Defaults],
        timeout: Optional[str],
        concurrency: Optional[int],
    ) -> None:
        self.func = func
        self.name = name
        self.description = description
        self.labels = dict(labels) if labels else None
        self.defaults = defaults
        self.timeout = timeout
        self.concurrency = concurrency

    def _params(self) -> Dict[str, Dict[str, Any]]:
        hints = typing.get_type_hints(self.func, include_extras=True)
        params: Dict[str, Dict[str, Any]] = {}
        for p in inspect.signature(self.func).parameters.values():
            where = f"pipeline {self.name}: parameter '{p.name}'"
            if p.name not in hints:
                raise PipelineDefinitionError(f"{where} needs a type hint")
            spec, role = type_spec(hints[p.name], where)
            if spec["type"] == "artifact" or (spec["type"] == "list" and spec["items"]["type"] == "artifact"):
                raise PipelineDefinitionError(f"{where}: a pipeline parameter is a value (pass an artifact's URI as str)")
            if p.default is not inspect.Parameter.empty:
                check_constant(spec, p.default, where)
                spec["default"] = list(p.default) if isinstance(p.default, tuple) else p.default
            params[p.name] = spec
        return params

    def spec(self) -> Dict[str, Any]:
        """The pipeline document (``apiVersion: bosun.dev/v1``) as a dict."""
        params = self._params()
        token = build.start()
        try:
            context = build.current()
            assert context is not None
            refs = {name: ParamRef(name, {k: v for k, v in spec.items() if k != "default"}) for name, spec in params.items()}
            returned = self.func(**refs)
            tasks = list(context.tasks)
        finally:
            build.finish(token)
        if not tasks:
            raise PipelineDefinitionError(f"pipeline {self.name} has no steps")
        outputs: Optional[Dict[str, Any]] = None
        if returned is not None:
            if not isinstance(returned, Mapping):
                raise PipelineDefinitionError(f"pipeline {self.name}: return a dict of outputs, such as {{'model': task.outputs['model']}}")
            outputs = {}
            for key, ref in returned.items():
                if not isinstance(ref, Ref):
                    raise PipelineDefinitionError(f"pipeline {self.name}: output '{key}' must be a step's output")
                outputs[key] = {"from": ref.path}
        doc: Dict[str, Any] = {"apiVersion": API_VERSION, "kind": "Pipeline", "name": self.name}
        if self.description:
            doc["description"] = self.description
        if self.labels:
            doc["labels"] = self.labels
        if params:
            doc["params"] = params
        if self.defaults is not None:
            doc["defaults"] = self.defaults.spec()
        if self.timeout is not None:
            doc["timeout"] = self.timeout
        if self.concurrency is not None:
            doc["concurrency"] = self.concurrency
        doc["steps"] = {t.name: _task_spec(t) for t in tasks if t.section == "steps"}
        exits = {t.name: _task_spec(t) for t in tasks if t.section == "on_exit"}
        if exits:
            doc["on_exit"] = exits
        if outputs:
            doc["outputs"] = outputs
        return doc

    def to_yaml(self) -> str:
        return to_yaml(self.spec())

    def to_json(self) -> str:
        return to_json(self.spec())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise PipelineDefinitionError(f"pipeline {self.name} is compiled (.spec(), .to_yaml()), not called")


def _value(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.path
    return value


def _task_spec(task: Task) -> Dict[str, Any]:
    spec: Dict[str, Any] = {}
    if task.description:
        spec["description"] = task.description
    spec.update(task.run)
    group = task.group
    if group is not None:
        spec["for_each"] = group.for_each_spec() if group.root is task else {"items_of": group.root.name if group.root else ""}
    if task.inputs:
        spec["inputs"] = {k: {f: _value(v) for f, v in i.items()} for k, i in task.inputs.items()}
    if task.declared_outputs and "approval" not in task.run:
        spec["outputs"] = {k: dict(v) for k, v in task.declared_outputs.items()}
    if task.waits_for:
        spec["after"] = [t.name for t in task.waits_for]
    if task.when is not None:
        spec["when"] = str(task.when)
    for key in ("retry", "timeout", "cache", "resources", "image", "requirements", "requirements_file", "env", "secrets"):
        value = task.settings.get(key)
        if value is not None:
            spec[key] = value
    return spec


P = TypeVar("P", bound=Callable[..., Any])


@overload
def pipeline(func: P) -> PipelineDefinition: ...


@overload
def pipeline(
    func: None = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    labels: Optional[Mapping[str, str]] = None,
    defaults: Optional[Defaults] = None,
    timeout: Optional[str] = None,
    concurrency: Optional[int] = None,
) -> Callable[[P], PipelineDefinition]: ...


def pipeline(
    func: Optional[P] = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    labels: Optional[Mapping[str, str]] = None,
    defaults: Optional[Defaults] = None,
    timeout: Optional[str] = None,
    concurrency: Optional[int] = None,
) -> Union[PipelineDefinition, Callable[[P], PipelineDefinition]]:
    """A pipeline, in the shape of Kubeflow's ``@dsl.pipeline``: the function's typed parameters are the pipeline's
    parameters; its body calls steps, passing one step's outputs into another; the dict it returns names the
    pipeline's outputs. The body runs when the pipeline is compiled, to record the graph, never to do the work.

    Example::

        @pipeline(name="train")
        def train_pipeline(rows: int = 1000):
            data = prepare(rows=rows)
            model = train(data=data.outputs["table"])
            return {"model": model.outputs["model"]}
    """

    def decorate(f: P) -> PipelineDefinition:
        return PipelineDefinition(
            f, name or f.__name__, description or _first_paragraph(inspect.getdoc(f)), labels, defaults, timeout, concurrency
        )

    return decorate(func) if func is not None else decorate


class MatrixItem:
    """A matrix fan-out's element: ``item["lr"]`` (or ``item.lr``) is one key's value."""

    def __init__(self, keys: Dict[str, ItemRef]) -> None:
        self._keys = keys

    def __getitem__(self, key: str) -> ItemRef:
        if key not in self._keys:
            raise PipelineDefinitionError(f"the matrix has no key '{key}' (keys: {', '.join(self._keys)})")
        return self._keys[key]

    def __getattr__(self, key: str) -> ItemRef:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]


def _binding(values: Union[Ref, Sequence[Any]], where: str) -> tuple[Dict[str, Any], Dict[str, Any]]:
    if isinstance(values, Ref):
        from .steps import effective_type

        source = effective_type(values, None)
        if source["type"] != "list":
            raise PipelineDefinitionError(f"{where}: a fan-out goes over a list, and {values.path} is {a_type(source)}")
        return {"from": values.path}, source["items"]
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise PipelineDefinitionError(f"{where}: give a list or a reference to one")
    items = list(values)
    return {"value": items}, infer_item_type(items, where)


@contextlib.contextmanager
def for_each(
    items: Union[Ref, Sequence[Any], None] = None,
    *,
    matrix: Optional[Mapping[str, Union[Ref, Sequence[Any]]]] = None,
    concurrency: Optional[int] = None,
) -> Iterator[Any]:
    """Steps called in the block run once per element of ``items`` (a constant list or a reference to a list), or
    per combination of ``matrix``'s lists, at most ``concurrency`` at a time. Inside, one step's output passed to
    another is the output for the same element; after the block it is the list of all of them (fan-in).

    Example::

        with for_each(learning_rates, concurrency=4) as lr:
            trained = train(data=data, learning_rate=lr)
        best = pick_best(scores=trained.outputs["score"])  # list[float]
    """
    context = build.require("for_each")
    if context.group is not None:
        raise PipelineDefinitionError("for_each blocks do not nest; use matrix= for combinations")
    if (items is None) == (matrix is None):
        raise PipelineDefinitionError("for_each takes a list, or matrix= with named lists, not both")
    for_each_spec: Dict[str, Any] = {}
    group = Group(for_each_spec)
    item: Any
    if matrix is not None:
        if not matrix:
            raise PipelineDefinitionError("for_each matrix= needs at least one list")
        bindings: Dict[str, Any] = {}
        keys: Dict[str, ItemRef] = {}
        for key, values in matrix.items():
            bindings[key], item_type = _binding(values, f"for_each matrix '{key}'")
            keys[key] = ItemRef(item_type, group, key)
        for_each_spec["matrix"] = bindings
        item = MatrixItem(keys)
    else:
        assert items is not None
        for_each_spec["items"], item_type = _binding(items, "for_each")
        item = ItemRef(item_type, group)
    if concurrency is not None:
        for_each_spec["concurrency"] = concurrency
    context.group = group
    try:
        yield item
    finally:
        context.group = None
    if group.root is None:
        raise PipelineDefinitionError("the for_each block called no step")


@contextlib.contextmanager
def when(condition: Union[Condition, Ref]) -> Iterator[None]:
    """Steps called in the block run only when ``condition`` holds (blocks nest: their conditions are and-ed)."""
    context = build.require("when")
    if isinstance(condition, Ref):
        condition = condition.as_condition()
    if not isinstance(condition, Condition):
        raise PipelineDefinitionError("when() takes a condition, such as task.outputs['accuracy'] >= 0.9")
    context.conditions.append(condition)
    try:
        yield
    finally:
        context.conditions.pop()


@contextlib.contextmanager
def on_exit() -> Iterator[None]:
    """Exit handlers: steps called in the block run once every other step has ended, on success or failure
    (``pipeline_status()`` says which)."""
    context = build.require("on_exit")
    if context.group is not None or context.conditions:
        raise PipelineDefinitionError("on_exit is its own block, outside for_each and when")
    context.section = "on_exit"
    try:
        yield
    finally:
        context.section = "steps"


def pipeline_status() -> Ref:
    """How the run ended (succeeded, failed or cancelled): for exit handlers."""
    return PipelineRef("status", dict(STATUS_TYPE))


def pipeline_run_id() -> Ref:
    return PipelineRef("run_id", {"type": "string"})


def trigger_drift_report() -> Ref:
    """The drift report of the alert that started the run (``from: trigger.drift_report``): a folder with
    ``report.json`` and ``report.html``, for a step input typed ``Input[DriftReport]``. A run that no
    ``monitoring_alert`` trigger started has none, and the step reading it fails saying so."""
    return TriggerRef("drift_report", {"type": "artifact", "kind": "drift_report"})


def approval(
    name: str,
    *,
    message: Optional[str] = None,
    timeout: Optional[str] = None,
    on_timeout: Optional[str] = None,
    on_reject: Optional[str] = None,
    model: Optional[Mapping[str, str]] = None,
    inputs: Optional[Mapping[str, Any]] = None,
    description: Optional[str] = None,
) -> Task:
    """A step where a person approves or rejects, with a comment. ``inputs`` are shown to them (and can be used in
    ``message`` as ``{{inputs.NAME}}``); its outputs are ``approved``, ``comment`` and ``approver``."""
    context = build.require("approval")
    if context.group is not None:
        raise PipelineDefinitionError(f"{name}: an approval step cannot fan out")
    task = Task(name, context, description=description)
    settings = {"message": message, "timeout": timeout, "on_timeout": on_timeout, "on_reject": on_reject}
    spec: Dict[str, Any] = {k: v for k, v in settings.items() if v is not None}
    if model is not None:
        spec["model"] = dict(model)
    task.run = {"approval": spec}
    task.declared_outputs = {k: dict(v) for k, v in APPROVAL_OUTPUTS.items()}
    task.inputs = reference_inputs(inputs or {}, task)
    context.add(task)
    return task


__all__: List[str] = [
    "pipeline",
    "for_each",
    "when",
    "on_exit",
    "approval",
    "pipeline_status",
    "trigger_drift_report",
    "PipelineDefinition",
]
