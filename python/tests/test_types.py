from typing import Annotated, Dict, List, Literal, Optional

import pytest

from bosun_pipelines import Dataset, Input, Length, Metrics, Model, Output, Pattern, PipelineDefinitionError, Range
from bosun_pipelines.types import Artifact, assignable, type_spec


class Embeddings(Artifact):
    kind = "embeddings"


@pytest.mark.parametrize(
    "annotation, spec, role",
    [
        (int, {"type": "int"}, "value"),
        (float, {"type": "float"}, "value"),
        (str, {"type": "string"}, "value"),
        (bool, {"type": "bool"}, "value"),
        (Literal["rf", "gbm"], {"type": "enum", "values": ["rf", "gbm"]}, "value"),
        (List[float], {"type": "list", "items": {"type": "float"}}, "value"),
        (list[str], {"type": "list", "items": {"type": "string"}}, "value"),
        (Annotated[int, Range(min=1, max=9)], {"type": "int", "min": 1, "max": 9}, "value"),
        (Annotated[float, Range(min=0.5)], {"type": "float", "min": 0.5}, "value"),
        (Annotated[str, Pattern("^x$"), Length(max=3)], {"type": "string", "pattern": "^x$", "max_length": 3}, "value"),
        (Annotated[List[int], Length(min=1)], {"type": "list", "items": {"type": "int"}, "min_items": 1}, "value"),
        (Dataset, {"type": "artifact", "kind": "dataset"}, "input"),
        (Input[Model], {"type": "artifact", "kind": "model"}, "input"),
        (Output[Metrics], {"type": "artifact", "kind": "metrics"}, "output"),
        (Output[Artifact], {"type": "artifact"}, "output"),
        (Output[Embeddings], {"type": "artifact", "kind": "embeddings"}, "output"),
        (List[Model], {"type": "list", "items": {"type": "artifact", "kind": "model"}}, "value"),
    ],
)
def test_type_hints_map_to_pipeline_types(annotation, spec, role):
    assert type_spec(annotation, "x") == (spec, role)


@pytest.mark.parametrize(
    "annotation, message",
    [
        (Optional[int], "Optional and Union are not pipeline types"),
        (List[List[int]], "a list of lists is not a pipeline type"),
        (Literal[1, 2], "a Literal is an enum of strings"),
        (Dict[str, int], "is not a pipeline type"),
        (Output[float], "Input[...] and Output[...] hold an artifact class"),
        (list, "say what the list holds"),
        (Annotated[bool, Range(min=1)], "Range does not apply to a bool"),
    ],
)
def test_other_hints_are_refused_with_a_reason(annotation, message):
    with pytest.raises(PipelineDefinitionError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        type_spec(annotation, "x")


def test_assignability_follows_the_validator():
    assert assignable({"type": "int"}, {"type": "float"})
    assert not assignable({"type": "float"}, {"type": "int"})
    assert assignable({"type": "enum", "values": ["a"]}, {"type": "string"})
    assert not assignable({"type": "string"}, {"type": "enum", "values": ["a"]})
    assert assignable({"type": "enum", "values": ["a"]}, {"type": "enum", "values": ["a", "b"]})
    assert not assignable({"type": "artifact", "kind": "dataset"}, {"type": "artifact", "kind": "model"})
    assert assignable({"type": "artifact"}, {"type": "artifact", "kind": "model"})
    assert assignable({"type": "list", "items": {"type": "int"}}, {"type": "list", "items": {"type": "float"}})
