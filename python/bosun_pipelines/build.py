"""The state of one pipeline being built: its tasks, the open ``for_each`` / ``when`` / ``on_exit`` blocks."""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .refs import Condition
from .types import PipelineDefinitionError

if TYPE_CHECKING:
    from .steps import Task


class Group:
    """A fan-out: the steps made inside one ``for_each`` block, run once per item."""

    def __init__(self, for_each: Dict[str, Any]) -> None:
        self.for_each = for_each
        self.root: Optional[Task] = None

    def for_each_spec(self) -> Dict[str, Any]:
        """The root step's ``for_each``: items or matrix, then concurrency."""
        return dict(self.for_each)


class Build:
    def __init__(self) -> None:
        self.tasks: List[Task] = []
        self.names: Dict[str, Task] = {}
        self.section = "steps"
        self.group: Optional[Group] = None
        self.conditions: List[Condition] = []

    def unique_name(self, base: str) -> str:
        """``train``, then ``train_2``, ``train_3`` for further calls of the same step."""
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        return name

    def add(self, task: "Task") -> None:
        self.names[task.name] = task
        self.tasks.append(task)
        if self.group is not None and self.group.root is None:
            self.group.root = task

    def rename(self, task: "Task", name: str) -> None:
        if name != task.name and name in self.names:
            raise PipelineDefinitionError(f"a step named '{name}' already exists")
        self.names.pop(task.name, None)
        task.name = name
        self.names[name] = task

    def condition(self) -> Optional[Condition]:
        """The open ``when`` blocks, joined with ``and``."""
        if not self.conditions:
            return None
        joined = self.conditions[0]
        for c in self.conditions[1:]:
            joined = joined & c
        return joined


_current: contextvars.ContextVar[Optional[Build]] = contextvars.ContextVar("bosun_pipeline_build", default=None)


def current() -> Optional[Build]:
    return _current.get()


def require(what: str) -> Build:
    context = _current.get()
    if context is None:
        raise PipelineDefinitionError(f"{what} is used inside a @pipeline function only")
    return context


def start() -> contextvars.Token[Optional[Build]]:
    return _current.set(Build())


def finish(token: contextvars.Token[Optional[Build]]) -> None:
    _current.reset(token)
