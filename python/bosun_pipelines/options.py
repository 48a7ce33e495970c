"""Step settings: retries, cache, resources, pipeline-wide defaults. Each becomes the document's own field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


def _clean(values: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n: ``initial * factor**(n-1)``, at most ``max``, with ``jitter`` of it drawn at random."""

    initial: Optional[str] = None
    factor: Optional[float] = None
    max: Optional[str] = None
    jitter: Optional[float] = None

    def spec(self) -> Dict[str, Any]:
        return _clean({"initial": self.initial, "factor": self.factor, "max": self.max, "jitter": self.jitter})


@dataclass(frozen=True)
class Retry:
    """Retries after a failure (``limit``) and after a preemption (``preemption_limit``), counted apart."""

    limit: Optional[int] = None
    preemption_limit: Optional[int] = None
    backoff: Optional[Backoff] = None

    def spec(self) -> Dict[str, Any]:
        return _clean(
            {
                "limit": self.limit,
                "preemption_limit": self.preemption_limit,
                "backoff": None if self.backoff is None else self.backoff.spec(),
            }
        )


@dataclass(frozen=True)
class Cache:
    """The step's result cache: off with ``enabled=False``; a new ``version`` forgets earlier results."""

    enabled: Optional[bool] = None
    version: Optional[str] = None
    ignore_inputs: Optional[List[str]] = None
    max_age: Optional[str] = None

    def spec(self) -> Dict[str, Any]:
        return _clean(
            {
                "enabled": self.enabled,
                "version": self.version,
                "ignore_inputs": None if self.ignore_inputs is None else list(self.ignore_inputs),
                "max_age": self.max_age,
            }
        )


@dataclass(frozen=True)
class Resources:
    """What a step needs: a resource class defined on the server (its price), or cpu, memory, gpu, spot."""

    resource_class: Optional[str] = None
    cpu: Optional[float] = None
    memory: Optional[str] = None
    gpu: Optional[int] = None
    spot: Optional[bool] = None

    def spec(self) -> Dict[str, Any]:
        return _clean(
            {"class": self.resource_class, "cpu": self.cpu, "memory": self.memory, "gpu": self.gpu, "spot": self.spot}
        )


@dataclass(frozen=True)
class Defaults:
    """Settings for every step that does not set its own (secrets are never defaults: each step names its own)."""

    retry: Optional[Retry] = None
    timeout: Optional[str] = None
    cache: Optional[Cache] = None
    resources: Optional[Resources] = None
    requirements: Optional[List[str]] = None
    env: Dict[str, str] = field(default_factory=dict)

    def spec(self) -> Dict[str, Any]:
        return _clean(
            {
                "retry": None if self.retry is None else self.retry.spec(),
                "timeout": self.timeout,
                "cache": None if self.cache is None else self.cache.spec(),
                "resources": None if self.resources is None else self.resources.spec(),
                "requirements": None if self.requirements is None else list(self.requirements),
                "env": dict(self.env) or None,
            }
        )
