"""Write Bosun pipelines in Python.

``@step`` turns a typed function into a step, ``command_step`` and ``script_step`` declare steps that run an
executable or a Python script, and ``@pipeline`` records how steps pass outputs to each other. Compiling gives the
pipeline document (``apiVersion: bosun.dev/v1``), the same document the YAML and TypeScript forms give::

    python -m bosun_pipelines compile my_project.pipelines:train -o pipeline.yaml

Standard library only. The reference is docs/pipelines.md in the Bosun repository.
"""

from .emit import to_json, to_yaml
from .options import Backoff, Cache, Defaults, Resources, Retry
from .pipeline import (
    PipelineDefinition,
    approval,
    for_each,
    on_exit,
    pipeline,
    pipeline_run_id,
    pipeline_status,
    trigger_drift_report,
    when,
)
from .refs import Condition, Ref
from .steps import StepDefinition, Task, command_step, script_step, step
from .types import (
    Artifact,
    Dataset,
    DriftReport,
    Input,
    Length,
    Metrics,
    Model,
    Output,
    Pattern,
    PipelineDefinitionError,
    Range,
)

__version__ = "0.1.0"


def compile_pipeline(definition: PipelineDefinition) -> dict:  # type: ignore[type-arg]
    """The pipeline document of a ``@pipeline``, as a dict."""
    return definition.spec()


__all__ = [
    "Artifact",
    "Backoff",
    "Cache",
    "Condition",
    "Dataset",
    "Defaults",
    "DriftReport",
    "Input",
    "Length",
    "Metrics",
    "Model",
    "Output",
    "Pattern",
    "PipelineDefinition",
    "PipelineDefinitionError",
    "Range",
    "Ref",
    "Resources",
    "Retry",
    "StepDefinition",
    "Task",
    "approval",
    "command_step",
    "compile_pipeline",
    "for_each",
    "on_exit",
    "pipeline",
    "pipeline_run_id",
    "pipeline_status",
    "script_step",
    "step",
    "to_json",
    "to_yaml",
    "trigger_drift_report",
    "when",
]
