"""Python type hints as pipeline types.

``int``, ``float``, ``str``, ``bool``, ``Literal["a", "b"]`` (an enum) and ``list[...]`` of them are small values;
``Artifact`` and its kinds (``Dataset``, ``Model``, ``Metrics``, or your own subclass with ``kind = "..."``) are
files passed by reference through the artifact store. ``Input[Dataset]`` reads one, ``Output[Model]`` writes one.
Constraints ride in ``Annotated``: ``Annotated[int, Range(min=1)]``, ``Annotated[str, Pattern("^[a-z]+$")]``,
``Annotated[list[float], Length(min=1)]``.
"""

from __future__ import annotations

import collections.abc
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Optional, Tuple, TypeVar, Union

from typing import Annotated, Literal, get_args, get_origin

TypeSpec = Dict[str, Any]


class Artifact:
    """A file or folder in the artifact store. A step receives one with ``path`` (where it is, or where to write)."""

    kind: ClassVar[Optional[str]] = None

    def __init__(self, path: str, uri: Optional[str] = None) -> None:
        self.path = path
        self.uri = uri

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r})"


class Dataset(Artifact):
    kind = "dataset"


class Model(Artifact):
    kind = "model"


class Metrics(Artifact):
    kind = "metrics"


class DriftReport(Artifact):
    """A monitoring alert's drift report (a folder: ``report.json`` and ``report.html``), as ``trigger_drift_report()``
    gives it to the runs a ``monitoring_alert`` trigger starts."""

    kind = "drift_report"


class _InputMarker:
    """Marks an artifact a step reads."""


class _OutputMarker:
    """Marks an artifact a step writes."""


T = TypeVar("T")

#: ``Input[Dataset]``: a step reads this artifact (to a type checker it is just a ``Dataset``).
Input = Annotated[T, _InputMarker]
#: ``Output[Model]``: a step writes this artifact at ``.path``.
Output = Annotated[T, _OutputMarker]


@dataclass(frozen=True)
class Range:
    """Bounds of an int or float: ``Annotated[float, Range(min=0, max=1)]``."""

    min: Optional[float] = None
    max: Optional[float] = None


@dataclass(frozen=True)
class Length:
    """Bounds of a string's length or a list's number of items."""

    min: Optional[int] = None
    max: Optional[int] = None


@dataclass(frozen=True)
class Pattern:
    """A regular expression a string must match (ECMAScript syntax: keep to what both it and ``re`` read alike)."""

    regex: str


class PipelineDefinitionError(ValueError):
    """A pipeline the decorators cannot compile; the message says which step and input."""


def is_artifact_class(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Artifact)


def artifact_spec(cls: type) -> TypeSpec:
    kind = getattr(cls, "kind", None)
    return {"type": "artifact"} if kind is None else {"type": "artifact", "kind": kind}


def _number(value: Optional[float], integer: bool) -> Optional[float]:
    if value is None:
        return None
    return int(value) if integer and float(value).is_integer() else value


def _constrain(spec: TypeSpec, constraints: List[object], where: str) -> TypeSpec:
    out = dict(spec)
    for c in constraints:
        if isinstance(c, Range) and spec["type"] in ("int", "float"):
            integer = spec["type"] == "int"
            if c.min is not None:
                out["min"] = _number(c.min, integer)
            if c.max is not None:
                out["max"] = _number(c.max, integer)
        elif isinstance(c, Length) and spec["type"] == "string":
            if c.min is not None:
                out["min_length"] = c.min
            if c.max is not None:
                out["max_length"] = c.max
        elif isinstance(c, Length) and spec["type"] == "list":
            if c.min is not None:
                out["min_items"] = c.min
            if c.max is not None:
                out["max_items"] = c.max
        elif isinstance(c, Pattern) and spec["type"] == "string":
            out["pattern"] = c.regex
        elif isinstance(c, (Range, Length, Pattern)):
            raise PipelineDefinitionError(f"{where}: {type(c).__name__} does not apply to a {spec['type']}")
    return out


Role = str  # "value", "input" (an artifact read) or "output" (an artifact written)


def type_spec(annotation: Any, where: str) -> Tuple[TypeSpec, Role]:
    """The pipeline type of a type hint, and whether it is a value, an artifact read or an artifact written."""
    role: Role = "value"
    constraints: List[object] = []
    while get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        for extra in extras:
            if extra is _InputMarker:
                role = "input"
            elif extra is _OutputMarker:
                role = "output"
            else:
                constraints.append(extra)
        annotation = base
    spec = _plain_spec(annotation, where)
    if role != "value" and spec["type"] != "artifact":
        raise PipelineDefinitionError(f"{where}: Input[...] and Output[...] hold an artifact class, such as Output[Model]")
    if spec["type"] == "artifact" and role == "value":
        role = "input"
    return _constrain(spec, constraints, where), role


def _plain_spec(annotation: Any, where: str) -> TypeSpec:
    if annotation is bool:
        return {"type": "bool"}
    if annotation is int:
        return {"type": "int"}
    if annotation is float:
        return {"type": "float"}
    if annotation is str:
        return {"type": "string"}
    if is_artifact_class(annotation):
        return artifact_spec(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        values = get_args(annotation)
        if not values or not all(isinstance(v, str) for v in values):
            raise PipelineDefinitionError(f"{where}: a Literal is an enum of strings, such as Literal['rf', 'gbm']")
        return {"type": "enum", "values": list(values)}
    if origin in (list, List, typing.Sequence, collections.abc.Sequence) or annotation in (list, List):
        args = get_args(annotation)
        if len(args) != 1:
            raise PipelineDefinitionError(f"{where}: say what the list holds, such as list[float]")
        items, role = type_spec(args[0], where)
        if items["type"] == "list":
            raise PipelineDefinitionError(f"{where}: a list of lists is not a pipeline type")
        if role == "output":
            raise PipelineDefinitionError(f"{where}: a list of outputs is not a pipeline type")
        return {"type": "list", "items": items}
    if origin is Union:
        raise PipelineDefinitionError(f"{where}: Optional and Union are not pipeline types; give a default instead")
    raise PipelineDefinitionError(
        f"{where}: {annotation!r} is not a pipeline type (int, float, str, bool, Literal[...], list[...], an Artifact)"
    )


def describe(spec: TypeSpec) -> str:
    """``float``, ``enum(a, b)``, ``list<artifact(model)>``: as the Bosun validator writes types."""
    kind = spec["type"]
    if kind == "enum":
        return f"enum({', '.join(spec['values'])})"
    if kind == "artifact":
        return "artifact" if spec.get("kind") is None else f"artifact({spec['kind']})"
    if kind == "list":
        return f"list<{describe(spec['items'])}>"
    return str(kind)


def a_type(spec: TypeSpec) -> str:
    """``a float``, ``an int``: a type with its article, for messages."""
    text = describe(spec)
    return f"an {text}" if text[0] in "aeiou" else f"a {text}"


def bare(spec: TypeSpec) -> TypeSpec:
    """The type alone, without constraints or description."""
    kind = spec["type"]
    if kind == "enum":
        return {"type": "enum", "values": list(spec["values"])}
    if kind == "artifact":
        return artifact_spec_from_kind(spec.get("kind"))
    if kind == "list":
        return {"type": "list", "items": bare(spec["items"])}
    return {"type": kind}


def artifact_spec_from_kind(kind: Optional[str]) -> TypeSpec:
    return {"type": "artifact"} if kind is None else {"type": "artifact", "kind": kind}


def assignable(source: TypeSpec, target: TypeSpec) -> bool:
    """Whether a value of type ``source`` may feed a place of type ``target`` (the validator's rule)."""
    s, t = source["type"], target["type"]
    if t == "string":
        return s in ("string", "enum")
    if t == "float":
        return s in ("float", "int")
    if t in ("int", "bool"):
        return bool(s == t)
    if t == "enum":
        return s == "enum" and all(v in target["values"] for v in source["values"])
    if t == "artifact":
        return s == "artifact" and (
            source.get("kind") is None or target.get("kind") is None or source.get("kind") == target.get("kind")
        )
    if t == "list":
        return s == "list" and assignable(source["items"], target["items"])
    return False


def check_constant(spec: TypeSpec, value: object, where: str) -> None:
    """Raises when ``value`` is not a constant of type ``spec`` (the validator checks the constraints too)."""
    kind = spec["type"]
    ok: bool
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == "enum":
        ok = isinstance(value, str) and value in spec["values"]
    elif kind == "list":
        ok = isinstance(value, (list, tuple))
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                check_constant(spec["items"], item, f"{where}[{i}]")
    else:
        raise PipelineDefinitionError(f"{where}: an artifact cannot be a constant; pass another step's output")
    if not ok:
        raise PipelineDefinitionError(f"{where}: {value!r} is not {a_type(spec)}")


def infer_item_type(values: List[object], where: str) -> TypeSpec:
    """The element type of a constant list to fan out over (int, float, string or bool)."""
    if not values:
        raise PipelineDefinitionError(f"{where}: the list is empty, so the steps would never run")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return {"type": "int"}
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return {"type": "float"}
    if all(isinstance(v, str) for v in values):
        return {"type": "string"}
    if all(isinstance(v, bool) for v in values):
        return {"type": "bool"}
    raise PipelineDefinitionError(f"{where}: the list mixes types; use only strings, only numbers or only booleans")
