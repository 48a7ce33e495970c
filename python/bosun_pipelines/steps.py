"""Step definitions (``@step`` functions, ``command_step``, ``script_step``) and the tasks calling them makes."""

from __future__ import annotations

import inspect
import typing
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union, overload

from . import build
from .options import Cache, Resources, Retry
from .refs import Condition, OutputRef, Ref
from .types import (
    PipelineDefinitionError,
    TypeSpec,
    assignable,
    bare,
    check_constant,
    describe,
    type_spec,
)

F = TypeVar("F", bound=Callable[..., Any])


class StepDefinition:
    """A step that can be called inside a ``@pipeline`` function; each call adds a task to the pipeline."""

    def __init__(
        self,
        name: str,
        run: Dict[str, Any],
        inputs: Dict[str, TypeSpec],
        outputs: Dict[str, TypeSpec],
        optional_inputs: Sequence[str] = (),
        description: Optional[str] = None,
        requirements: Optional[Sequence[str]] = None,
        requirements_file: Optional[str] = None,
        retry: Optional[Retry] = None,
        timeout: Optional[str] = None,
        cache: Optional[Cache] = None,
        resources: Optional[Resources] = None,
        env: Optional[Mapping[str, str]] = None,
        secrets: Optional[Mapping[str, str]] = None,
        func: Optional[Callable[..., Any]] = None,
        image: Optional[str] = None,
    ) -> None:
        self.name = name
        self.run = run
        self.inputs = inputs
        self.outputs = outputs
        self.optional_inputs = set(optional_inputs)
        self.description = description
        self.settings: Dict[str, Any] = {
            "retry": None if retry is None else retry.spec(),
            "timeout": timeout,
            "cache": None if cache is None else cache.spec(),
            "resources": None if resources is None else resources.spec(),
            "image": None if image is None else check_image(image, name),
            "requirements": None if requirements is None else list(requirements),
            "requirements_file": requirements_file,
            "env": None if not env else dict(env),
            "secrets": None if not secrets else dict(secrets),
        }
        #: The Python function itself, for calling it directly (in a unit test, say).
        self.func = func

    def __call__(self, *args: Any, **kwargs: Any) -> "Task":
        context = build.current()
        if context is None:
            hint = f" (call {self.name}.func(...) to run the function itself)" if self.func is not None else ""
            raise PipelineDefinitionError(f"step '{self.name}' is called inside a @pipeline function only{hint}")
        if args:
            raise PipelineDefinitionError(f"{self.name}: pass inputs by name, such as {self.name}(data=...)")
        task = Task(self.name, context, description=self.description)
        task.run = dict(self.run)
        task.settings = {k: v for k, v in self.settings.items()}
        task.declared_outputs = dict(self.outputs)
        for name in kwargs:
            if name not in self.inputs:
                known = ", ".join(self.inputs) or "none"
                raise PipelineDefinitionError(f"{self.name}: no input named '{name}' (inputs: {known})")
        for name, spec in self.inputs.items():
            if name not in kwargs:
                if name in self.optional_inputs:
                    continue
                raise PipelineDefinitionError(f"{self.name}: input '{name}' is missing")
            task.inputs[name] = bind(task, name, spec, kwargs[name])
        context.add(task)
        return task

    def __repr__(self) -> str:
        return f"StepDefinition({self.name!r})"


def bind(task: "Task", name: str, spec: TypeSpec, value: object) -> Dict[str, Any]:
    """An input's document form: its type and either ``from`` (a reference) or ``value`` (a constant)."""
    where = f"{task.base_name}.{name}"
    if isinstance(value, Task):
        raise PipelineDefinitionError(f"{where}: pass one of its outputs, such as {value.base_name}.outputs['...']")
    if isinstance(value, Ref):
        source = effective_type(value, task.group)
        if not assignable(source, spec):
            fan_in = ""
            if isinstance(value, OutputRef) and source["type"] == "list" and value.type["type"] != "list":
                fan_in = f" ('{value.task.base_name}' runs once per item, so its output arrives as a list here)"
            raise PipelineDefinitionError(
                f"{where}: type mismatch: {value.path} is {describe(source)}, input '{name}' is {describe(spec)}{fan_in}"
            )
        task.refs.append(value)
        return {**spec, "from": value}
    if isinstance(value, Condition):
        raise PipelineDefinitionError(f"{where}: a condition is not a value; use it with `with when(...)`")
    check_constant(spec, value, where)
    return {**spec, "value": list(value) if isinstance(value, tuple) else value}


def effective_type(ref: Ref, reader_group: Any) -> TypeSpec:
    """A per-item output read from outside its fan-out is the list of all of them."""
    if isinstance(ref, OutputRef) and ref.group is not None and ref.group is not reader_group:
        if ref.type["type"] == "list":
            raise PipelineDefinitionError(
                f"{ref.path}: '{ref.task.base_name}' runs once per item and its output is a list; a list of lists is not a type"
            )
        return {"type": "list", "items": bare(ref.type)}
    return bare(ref.type)


class Outputs(Mapping[str, OutputRef]):
    """A task's outputs by name: ``task.outputs["model"]``."""

    def __init__(self, task: "Task") -> None:
        self._task = task

    def __getitem__(self, name: str) -> OutputRef:
        declared = self._task.declared_outputs
        if name not in declared:
            known = ", ".join(declared) or "no outputs"
            raise PipelineDefinitionError(f"{self._task.base_name} has no output '{name}' (it has: {known})")
        return OutputRef(self._task, name, declared[name])

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self._task.declared_outputs)

    def __len__(self) -> int:
        return len(self._task.declared_outputs)


class Task:
    """One step in one pipeline: what calling a step (or ``approval``) inside a ``@pipeline`` function returns."""

    def __init__(self, base_name: str, context: "build.Build", description: Optional[str] = None) -> None:
        self.base_name = base_name
        self.name = context.unique_name(base_name)
        self.section = context.section
        self.group = context.group
        self.when: Optional[Condition] = context.condition()
        self.description = description
        self.run: Dict[str, Any] = {}
        self.inputs: Dict[str, Dict[str, Any]] = {}
        self.declared_outputs: Dict[str, TypeSpec] = {}
        self.settings: Dict[str, Any] = {}
        self.waits_for: List[Task] = []
        self.refs: List[Ref] = []
        self._context = context

    @property
    def outputs(self) -> Outputs:
        return Outputs(self)

    @property
    def output(self) -> OutputRef:
        """The output of a step that has exactly one."""
        if len(self.declared_outputs) != 1:
            raise PipelineDefinitionError(f"{self.base_name} has {len(self.declared_outputs)} outputs: use .outputs['name']")
        return self.outputs[next(iter(self.declared_outputs))]

    def after(self, *tasks: "Task") -> "Task":
        """Wait for these tasks to end first (no data passed)."""
        self.waits_for.extend(tasks)
        return self

    def set_name(self, name: str) -> "Task":
        self._context.rename(self, name)
        return self

    def set_description(self, description: str) -> "Task":
        self.description = description
        return self

    def set_retry(
        self, limit: Optional[int] = None, preemption_limit: Optional[int] = None, backoff: Any = None
    ) -> "Task":
        self.settings["retry"] = Retry(limit, preemption_limit, backoff).spec()
        return self

    def set_timeout(self, timeout: str) -> "Task":
        self.settings["timeout"] = timeout
        return self

    def set_cache(
        self,
        enabled: Optional[bool] = None,
        version: Optional[str] = None,
        ignore_inputs: Optional[List[str]] = None,
        max_age: Optional[str] = None,
    ) -> "Task":
        self.settings["cache"] = Cache(enabled, version, ignore_inputs, max_age).spec()
        return self

    def set_resources(self, resources: Resources) -> "Task":
        self.settings["resources"] = resources.spec()
        return self

    def set_image(self, image: str) -> "Task":
        """The container image of this call on the Kubernetes executor (overrides the step's ``image=``)."""
        self.settings["image"] = check_image(image, self.base_name)
        return self

    def set_env(self, **env: str) -> "Task":
        self.settings["env"] = {**(self.settings.get("env") or {}), **env}
        return self

    def __repr__(self) -> str:
        return f"Task({self.name!r})"


def _outputs_of_return(annotation: Any, where: str) -> Dict[str, TypeSpec]:
    if annotation is None or annotation is type(None) or annotation is inspect.Signature.empty:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, tuple) and hasattr(annotation, "_fields"):
        hints = typing.get_type_hints(annotation, include_extras=True)
        outputs: Dict[str, TypeSpec] = {}
        for field in annotation._fields:
            spec, role = type_spec(hints[field], f"{where} -> {field}")
            if spec["type"] == "artifact":
                raise PipelineDefinitionError(f"{where}: return values are small values; write artifacts to Output[...] parameters")
            outputs[field] = spec
        return outputs
    spec, _ = type_spec(annotation, f"{where} -> return")
    if spec["type"] == "artifact":
        raise PipelineDefinitionError(f"{where}: return values are small values; write artifacts to Output[...] parameters")
    return {"output": spec}


def _function_step(func: Callable[..., Any], name: Optional[str], options: Dict[str, Any]) -> StepDefinition:
    step_name = name or func.__name__
    where = f"step {step_name}"
    if options.get("image") is not None:
        check_image(options["image"], step_name)
    module = func.__module__
    if module == "__main__":
        raise PipelineDefinitionError(f"{where}: define steps in an importable module, not in __main__ (the step runs it by name)")
    if "<locals>" in func.__qualname__:
        raise PipelineDefinitionError(f"{where}: a step function must be defined at module level (the step imports it by name)")
    hints = typing.get_type_hints(func, include_extras=True)
    inputs: Dict[str, TypeSpec] = {}
    outputs: Dict[str, TypeSpec] = {}
    optional: List[str] = []
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise PipelineDefinitionError(f"{where}: *args and **kwargs are not inputs; name each one")
        if param.name not in hints:
            raise PipelineDefinitionError(f"{where}: parameter '{param.name}' needs a type hint")
        spec, role = type_spec(hints[param.name], f"{where}.{param.name}")
        if role == "output":
            outputs[param.name] = spec
            continue
        inputs[param.name] = spec
        if param.default is not inspect.Parameter.empty:
            optional.append(param.name)
    for out_name, spec in _outputs_of_return(hints.get("return", inspect.Signature.empty), where).items():
        if out_name in outputs:
            raise PipelineDefinitionError(f"{where}: output '{out_name}' is both a parameter and a return value")
        outputs[out_name] = spec
    description = options.pop("description", None) or _first_paragraph(inspect.getdoc(func))
    return StepDefinition(
        step_name,
        {"function": f"{module}:{func.__qualname__}"},
        inputs,
        outputs,
        optional_inputs=optional,
        description=description,
        func=func,
        **options,
    )


def _first_paragraph(doc: Optional[str]) -> Optional[str]:
    if not doc:
        return None
    return " ".join(doc.strip().split("\n\n")[0].split())


@overload
def step(func: F) -> StepDefinition: ...


@overload
def step(
    func: None = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    requirements: Optional[Sequence[str]] = None,
    requirements_file: Optional[str] = None,
    retry: Optional[Retry] = None,
    timeout: Optional[str] = None,
    cache: Optional[Cache] = None,
    resources: Optional[Resources] = None,
    image: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    secrets: Optional[Mapping[str, str]] = None,
) -> Callable[[F], StepDefinition]: ...


def step(func: Optional[F] = None, *, name: Optional[str] = None, **options: Any) -> Union[StepDefinition, Callable[[F], StepDefinition]]:
    """A Python function as a pipeline step: inputs from its typed parameters, artifact outputs from its
    ``Output[...]`` parameters, value outputs from its return type (one value is named ``output``; a NamedTuple
    names several). The docstring's first paragraph is the step's description.

    Example::

        @step(requirements=["scikit-learn==1.5.2"])
        def train(data: Input[Dataset], learning_rate: float, model: Output[Model]) -> float: ...

    ``image="registry.example.com/ml/train:1.4"`` names the container image the step runs in on the Kubernetes
    executor (default: the server's ``--kube-image``); the local executor and workers ignore it.
    """
    if func is not None:
        return _function_step(func, name, options)

    def decorate(f: F) -> StepDefinition:
        return _function_step(f, name, dict(options))

    return decorate


def check_image(image: object, where: str) -> str:
    """A container image reference as the document accepts it: 1 to 1000 characters, no whitespace."""
    if not isinstance(image, str):
        raise PipelineDefinitionError(f"step {where}: image must be a string such as 'registry.example.com/ml/train:1.4', not {image!r}")
    if not 1 <= len(image) <= 1000 or any(c.isspace() for c in image):
        raise PipelineDefinitionError(
            f"step {where}: image {image!r} is not an image reference (1 to 1000 characters, no spaces), such as 'registry.example.com/ml/train:1.4'"
        )
    return image


def _declared(mapping: Optional[Mapping[str, Any]], where: str, allow_outputs: bool) -> Dict[str, TypeSpec]:
    out: Dict[str, TypeSpec] = {}
    for key, annotation in (mapping or {}).items():
        spec, role = type_spec(annotation, f"{where}.{key}")
        if role == "output" and not allow_outputs:
            raise PipelineDefinitionError(f"{where}.{key}: list outputs under outputs=, with their type (such as Model)")
        out[key] = spec
    return out


def command_step(
    name: str,
    command: Sequence[str],
    *,
    inputs: Optional[Mapping[str, Any]] = None,
    outputs: Optional[Mapping[str, Any]] = None,
    **options: Any,
) -> StepDefinition:
    """A step that runs any executable. Arguments may use ``{{inputs.NAME}}`` (an input's value, or the local path
    of an artifact) and ``{{outputs.NAME}}`` (the path to write that output to).

    Example::

        prepare = command_step("prepare", ["python", "prep.py", "--out", "{{outputs.table}}"], outputs={"table": Dataset})
    """
    return StepDefinition(
        name,
        {"command": list(command)},
        _declared(inputs, name, False),
        _declared(outputs, name, True),
        **options,
    )


def script_step(
    name: str,
    path: str,
    args: Sequence[str] = (),
    *,
    inputs: Optional[Mapping[str, Any]] = None,
    outputs: Optional[Mapping[str, Any]] = None,
    **options: Any,
) -> StepDefinition:
    """A step that runs a Python script (a path inside the pipeline's code folder) with the step's Python
    environment; ``args`` may use the same placeholders as a command."""
    script: Dict[str, Any] = {"path": path}
    if args:
        script["args"] = list(args)
    return StepDefinition(name, {"script": script}, _declared(inputs, name, False), _declared(outputs, name, True), **options)


def reference_inputs(values: Mapping[str, Any], task: Task) -> Dict[str, Dict[str, Any]]:
    """Inputs typed by what they are given (for approvals): a reference's type, or a constant's Python type."""
    out: Dict[str, Dict[str, Any]] = {}
    for key, value in values.items():
        if isinstance(value, Ref):
            out[key] = bind(task, key, effective_type(value, task.group), value)
        elif isinstance(value, bool):
            out[key] = {"type": "bool", "value": value}
        elif isinstance(value, int):
            out[key] = {"type": "int", "value": value}
        elif isinstance(value, float):
            out[key] = {"type": "float", "value": value}
        elif isinstance(value, str):
            out[key] = {"type": "string", "value": value}
        else:
            raise PipelineDefinitionError(f"{task.base_name}.{key}: {value!r} is not a reference or a constant")
    return out


__all__: Tuple[str, ...] = ("step", "command_step", "script_step", "StepDefinition", "Task")
