"""A step's container image (the Kubernetes executor's `image:`) from the decorators."""

import pytest

from bosun_pipelines import PipelineDefinitionError, command_step, pipeline, script_step, step
from sample.steps import imaged, load


def test_step_image_compiles_into_the_document():
    report = command_step("report", ["echo", "done"], image="registry.example.com/ml/report:2")
    prep = script_step("prep", "prep.py", image="python:3.12-slim")

    @pipeline(name="imaged")
    def p():
        imaged(rows=3)
        report()
        prep()
        load(rows=1)

    steps = p.spec()["steps"]
    assert steps["imaged"]["image"] == "registry.example.com/ml/train:1.4"
    assert steps["report"]["image"] == "registry.example.com/ml/report:2"
    assert steps["prep"]["image"] == "python:3.12-slim"
    # A step that names none leaves it to the server's --kube-image.
    assert "image" not in steps["load"]


def test_a_call_may_override_the_step_image():
    @pipeline(name="override")
    def p():
        imaged(rows=3).set_image("registry.example.com/ml/train:1.5@sha256:" + "a" * 64)
        imaged(rows=4)

    steps = p.spec()["steps"]
    assert steps["imaged"]["image"] == "registry.example.com/ml/train:1.5@sha256:" + "a" * 64
    assert steps["imaged_2"]["image"] == "registry.example.com/ml/train:1.4"


@pytest.mark.parametrize(
    "image, message",
    [
        ("", "not an image reference"),
        ("registry.example.com/ml/train 1.4", "not an image reference"),
        ("x" * 1001, "not an image reference"),
        (14, "image must be a string"),
    ],
)
def test_a_bad_image_is_refused_naming_the_step(image, message):
    with pytest.raises(PipelineDefinitionError, match=f"step bad: .*{message}"):
        command_step("bad", ["true"], image=image)

    with pytest.raises(PipelineDefinitionError, match=message):

        @step(image=image)
        def bad() -> None: ...

    with pytest.raises(PipelineDefinitionError, match=f"step imaged: .*{message}"):

        @pipeline(name="bad-call")
        def p():
            imaged(rows=1).set_image(image)

        p.spec()
