"""References (a parameter, a step's output, the fan-out item, ``pipeline.status``) and ``when`` conditions.

Comparing a reference makes a ``Condition``; ``&``, ``|`` and ``~`` combine conditions (Python's ``and``/``or``
cannot be overloaded, so they raise instead of silently keeping one side). Conditions print as the canonical
condition text the TypeScript builder writes too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union

from .types import PipelineDefinitionError, TypeSpec, a_type

if TYPE_CHECKING:
    from .build import Group

Constant = Union[str, int, float, bool]


def format_constant(value: Constant) -> str:
    """A constant as conditions write it: strings in single quotes, numbers as JavaScript prints them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
        return f"'{escaped}'"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise PipelineDefinitionError(f"{value!r} cannot be written in a condition")
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if exponent:
        sign = exponent[0] if exponent[0] in "+-" else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


class Expr:
    """A node of a condition: kind is or, and, not, compare, ref, constant or list."""

    def __init__(self, kind: str, parts: Sequence[Any], op: str = "") -> None:
        self.kind = kind
        self.parts = list(parts)
        self.op = op

    def text(self) -> str:
        def wrap(e: Expr, needs: bool) -> str:
            return f"({e.text()})" if needs else e.text()

        if self.kind == "or":
            return " or ".join(wrap(p, p.kind == "or") for p in self.parts)
        if self.kind == "and":
            return " and ".join(wrap(p, p.kind in ("or", "and")) for p in self.parts)
        if self.kind == "not":
            inner: Expr = self.parts[0]
            return f"not {wrap(inner, inner.kind in ('or', 'and', 'compare'))}"
        if self.kind == "compare":
            left, right = self.parts
            sides = ("or", "and", "not", "compare")
            return f"{wrap(left, left.kind in sides)} {self.op} {wrap(right, right.kind in sides)}"
        if self.kind == "ref":
            return str(self.parts[0])
        if self.kind == "constant":
            return format_constant(self.parts[0])
        return "[" + ", ".join(format_constant(v) for v in self.parts) + "]"


class Condition:
    """A ``when`` condition. Combine with ``&`` (and), ``|`` (or), ``~`` (not)."""

    def __init__(self, expr: Expr, refs: Sequence["Ref"]) -> None:
        self.expr = expr
        self.refs: Tuple[Ref, ...] = tuple(refs)

    def _join(self, kind: str, other: object) -> "Condition":
        if isinstance(other, Ref):
            other = other.as_condition()
        if not isinstance(other, Condition):
            raise PipelineDefinitionError(f"cannot combine a condition with {other!r}: combine conditions")
        parts: List[Expr] = []
        for c in (self, other):
            parts.extend(c.expr.parts if c.expr.kind == kind else [c.expr])
        return Condition(Expr(kind, parts), self.refs + other.refs)

    def __and__(self, other: object) -> "Condition":
        return self._join("and", other)

    def __or__(self, other: object) -> "Condition":
        return self._join("or", other)

    def __invert__(self) -> "Condition":
        return Condition(Expr("not", [self.expr]), self.refs)

    def __bool__(self) -> bool:
        raise PipelineDefinitionError(
            "a condition is not true or false while the pipeline is built: combine conditions with & | ~, "
            "not and / or / not, and put steps under `with when(condition):`"
        )

    def __str__(self) -> str:
        return self.expr.text()

    def __repr__(self) -> str:
        return f"Condition({self.expr.text()!r})"


Operand = Union["Ref", Constant]


class Ref:
    """A value a step reads: ``params.NAME``, ``steps.STEP.outputs.NAME``, ``item``, ``pipeline.status``."""

    def __init__(self, type_: TypeSpec, group: Optional["Group"] = None) -> None:
        self.type = type_
        self.group = group

    @property
    def path(self) -> str:
        raise NotImplementedError

    def as_condition(self) -> Condition:
        if self.type["type"] != "bool":
            raise PipelineDefinitionError(f"{self.path} is {a_type(self.type)}, not a condition: compare it")
        return Condition(Expr("ref", [self.path]), [self])

    def _compare(self, op: str, other: object) -> Condition:
        refs: List[Ref] = [self]
        if isinstance(other, Ref):
            refs.append(other)
            right = Expr("ref", [other.path])
        elif isinstance(other, (list, tuple)):
            right = Expr("list", list(other))
        elif isinstance(other, (str, int, float, bool)):
            right = Expr("constant", [other])
        else:
            raise PipelineDefinitionError(f"cannot compare {self.path} with {other!r}")
        return Condition(Expr("compare", [Expr("ref", [self.path]), right], op), refs)

    def __eq__(self, other: object) -> Condition:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: object) -> Condition:  # type: ignore[override]
        return self._compare("!=", other)

    def __lt__(self, other: Operand) -> Condition:
        return self._compare("<", other)

    def __le__(self, other: Operand) -> Condition:
        return self._compare("<=", other)

    def __gt__(self, other: Operand) -> Condition:
        return self._compare(">", other)

    def __ge__(self, other: Operand) -> Condition:
        return self._compare(">=", other)

    def is_in(self, values: Union[Sequence[Constant], "Ref"]) -> Condition:
        return self._compare("in", values)

    def not_in(self, values: Union[Sequence[Constant], "Ref"]) -> Condition:
        return self._compare("not in", values)

    def __and__(self, other: object) -> Condition:
        return self.as_condition() & other

    def __or__(self, other: object) -> Condition:
        return self.as_condition() | other

    def __invert__(self) -> Condition:
        return ~self.as_condition()

    def __bool__(self) -> bool:
        raise PipelineDefinitionError(f"{self.path} has no value while the pipeline is built; compare it to make a condition")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Ref({self.path!r})"


class ParamRef(Ref):
    def __init__(self, name: str, type_: TypeSpec) -> None:
        super().__init__(type_)
        self.name = name

    @property
    def path(self) -> str:
        return f"params.{self.name}"


class PipelineRef(Ref):
    def __init__(self, field: str, type_: TypeSpec) -> None:
        super().__init__(type_)
        self.field = field

    @property
    def path(self) -> str:
        return f"pipeline.{self.field}"


class TriggerRef(Ref):
    """An artifact the trigger that started the run attached to it (``trigger.drift_report``)."""

    def __init__(self, name: str, type_: TypeSpec) -> None:
        super().__init__(type_)
        self.name = name

    @property
    def path(self) -> str:
        return f"trigger.{self.name}"


class ItemRef(Ref):
    """The current element of a fan-out (``item``), or one key of a matrix's element (``item.lr``)."""

    def __init__(self, type_: TypeSpec, group: "Group", key: Optional[str] = None) -> None:
        super().__init__(type_, group)
        self.key = key

    @property
    def path(self) -> str:
        return "item" if self.key is None else f"item.{self.key}"


class OutputRef(Ref):
    """One output of a step in the pipeline (the step's name is read when the pipeline is compiled)."""

    def __init__(self, task: Any, name: str, type_: TypeSpec) -> None:
        super().__init__(type_, task.group)
        self.task = task
        self.name = name

    @property
    def path(self) -> str:
        return f"steps.{self.task.name}.outputs.{self.name}"
