from typing import Annotated, List, Literal

import pytest

from bosun_pipelines import (
    Cache,
    Model,
    PipelineDefinitionError,
    Range,
    Resources,
    Retry,
    approval,
    for_each,
    on_exit,
    pipeline,
    pipeline_status,
    step,
    trigger_drift_report,
    when,
)
from sample.steps import best, fit, load, retrain_on, score, shell, takes_int


def test_function_steps_compile_with_inputs_outputs_and_dependencies():
    @pipeline(name="p")
    def p(rows: Annotated[int, Range(min=1)] = 100, lr: float = 0.1):
        """The pipeline.

        Details."""
        table = load(rows=rows)
        model = fit(data=table.outputs["table"], lr=lr)
        return {"model": model.outputs["model"]}

    assert p.spec() == {
        "apiVersion": "bosun.dev/v1",
        "kind": "Pipeline",
        "name": "p",
        "description": "The pipeline.",
        "params": {"rows": {"type": "int", "min": 1, "default": 100}, "lr": {"type": "float", "default": 0.1}},
        "steps": {
            "load": {
                "description": "Load a table.",
                "function": "sample.steps:load",
                "inputs": {"rows": {"type": "int", "min": 1, "max": 1000, "from": "params.rows"}},
                "outputs": {"table": {"type": "artifact", "kind": "dataset"}},
            },
            "fit": {
                "function": "sample.steps:fit",
                "inputs": {
                    "data": {"type": "artifact", "kind": "dataset", "from": "steps.load.outputs.table"},
                    "lr": {"type": "float", "from": "params.lr"},
                },
                "outputs": {"model": {"type": "artifact", "kind": "model"}, "output": {"type": "float"}},
                "timeout": "10m",
                "requirements": ["numpy==2.0.0"],
            },
        },
        "outputs": {"model": {"from": "steps.fit.outputs.model"}},
    }


def test_constants_are_checked_and_optional_inputs_may_be_left_out():
    @pipeline
    def p():
        load(rows=5, name="abc")
        score(model=fit(data=load(rows=1).outputs["table"], lr=1).outputs["model"], mode="slow")

    steps = p.spec()["steps"]
    assert steps["load"]["inputs"]["name"] == {"type": "string", "pattern": "^[a-z]+$", "value": "abc"}
    assert steps["load_2"]["inputs"] == {"rows": {"type": "int", "min": 1, "max": 1000, "value": 1}}
    assert steps["fit"]["inputs"]["lr"] == {"type": "float", "value": 1}
    assert steps["score"]["inputs"]["mode"] == {"type": "enum", "values": ["fast", "slow"], "value": "slow"}
    assert p.name == "p"


def test_a_fan_out_has_one_root_its_followers_read_per_item_and_others_read_the_list():
    @pipeline
    def p(lrs: List[float] = (0.1, 0.2)):  # type: ignore[assignment]
        table = load(rows=10)
        with for_each(lrs, concurrency=3) as lr:
            model = fit(data=table.outputs["table"], lr=lr)
            scored = score(model=model.outputs["model"])
        best(scores=scored.outputs["accuracy"], models=model.outputs["model"])

    steps = p.spec()["steps"]
    assert steps["fit"]["for_each"] == {"items": {"from": "params.lrs"}, "concurrency": 3}
    assert steps["fit"]["inputs"]["lr"] == {"type": "float", "from": "item"}
    assert steps["score"]["for_each"] == {"items_of": "fit"}
    assert steps["score"]["inputs"]["model"]["from"] == "steps.fit.outputs.model"
    assert steps["best"]["inputs"]["scores"] == {"type": "list", "items": {"type": "float"}, "from": "steps.score.outputs.accuracy"}
    assert "for_each" not in steps["best"]


def test_a_matrix_fan_out_names_its_keys():
    @pipeline
    def p():
        with for_each(matrix={"lr": [0.1, 0.01], "rows": [10, 20]}) as item:
            load(rows=item["rows"])
            fit(data=load(rows=item.rows).outputs["table"], lr=item["lr"])

    steps = p.spec()["steps"]
    assert steps["load"]["for_each"] == {"matrix": {"lr": {"value": [0.1, 0.01]}, "rows": {"value": [10, 20]}}}
    assert steps["load"]["inputs"]["rows"]["from"] == "item.rows"
    assert steps["load_2"]["for_each"] == {"items_of": "load"}
    assert steps["fit"]["inputs"]["lr"] == {"type": "float", "from": "item.lr"}


def test_conditions_print_canonically_and_nest():
    @pipeline
    def p(mode: Literal["a", "b"] = "a", n: int = 1):
        first = score(model=fit(data=load(rows=1).outputs["table"], lr=0.1).outputs["model"])
        with when((first.outputs["accuracy"] >= 0.9) & ((mode == "a") | ~(n < 3))):
            with when(first.outputs["passed"]):
                takes_int(n=n)
            takes_int(n=2).set_name("other")

    steps = p.spec()["steps"]
    condition = "steps.score.outputs.accuracy >= 0.9 and (params.mode == 'a' or not (params.n < 3))"
    assert steps["takes_int"]["when"] == f"{condition} and steps.score.outputs.passed"
    assert steps["other"]["when"] == condition


def test_python_and_or_on_conditions_is_refused():
    @pipeline
    def p(n: int = 1):
        with when((n > 1) and (n < 5)):
            takes_int(n=n)

    with pytest.raises(PipelineDefinitionError, match="combine conditions with & | ~"):
        p.spec()


def test_approvals_exit_handlers_and_settings():
    @pipeline(name="gated", timeout="2h", concurrency=4)
    def p():
        scored = score(model=fit(data=load(rows=1).outputs["table"], lr=0.1).outputs["model"])
        gate = approval("gate", message="ok? {{inputs.acc}}", timeout="1d", on_reject="continue", inputs={"acc": scored.outputs["accuracy"], "who": "ml"})
        with when(gate.outputs["approved"]):
            takes_int(n=1).after(gate).set_retry(limit=3).set_cache(enabled=False, version="2").set_resources(
                Resources(gpu=1, spot=True)
            ).set_timeout("5m").set_env(MODE="x")
        with on_exit():
            shell(text=pipeline_status())

    spec = p.spec()
    assert spec["timeout"] == "2h" and spec["concurrency"] == 4
    assert spec["steps"]["gate"] == {
        "approval": {"message": "ok? {{inputs.acc}}", "timeout": "1d", "on_reject": "continue"},
        "inputs": {
            "acc": {"type": "float", "from": "steps.score.outputs.accuracy"},
            "who": {"type": "string", "value": "ml"},
        },
    }
    assert spec["steps"]["takes_int"] == {
        "function": "sample.steps:takes_int",
        "inputs": {"n": {"type": "int", "value": 1}},
        "after": ["gate"],
        "when": "steps.gate.outputs.approved",
        "retry": {"limit": 3},
        "timeout": "5m",
        "cache": {"enabled": False, "version": "2"},
        "resources": {"gpu": 1, "spot": True},
        "env": {"MODE": "x"},
    }
    assert spec["on_exit"]["shell"]["inputs"]["text"] == {
        "type": "string",
        "from": "pipeline.status",
    }
    assert spec["on_exit"]["shell"]["command"] == ["sh", "-c", "echo {{inputs.text}} > {{outputs.out}}"]


@pytest.mark.parametrize(
    "body, message",
    [
        (lambda: takes_int(n=1.5), r"takes_int\.n: 1\.5 is not an int"),
        (lambda: takes_int(m=1), r"takes_int: no input named 'm' \(inputs: n\)"),
        (lambda: takes_int(), r"takes_int: input 'n' is missing"),
        (lambda: takes_int(1), r"pass inputs by name"),
        (
            lambda: takes_int(n=score(model=fit(data=load(rows=1).outputs["table"], lr=1).outputs["model"]).outputs["accuracy"]),
            r"type mismatch: steps\.score\.outputs\.accuracy is float, input 'n' is int",
        ),
        (lambda: fit(data=load(rows=1).outputs["nope"], lr=1), r"load has no output 'nope' \(it has: table\)"),
        (lambda: fit(data="data.csv", lr=1), r"fit\.data: an artifact cannot be a constant"),
        (lambda: takes_int(n=load(rows=1)), r"pass one of its outputs"),
    ],
)
def test_mistakes_are_reported_with_step_and_input(body, message):
    @pipeline
    def p():
        body()

    with pytest.raises(PipelineDefinitionError, match=message):
        p.spec()


def test_a_fan_out_output_read_outside_is_a_list_and_the_message_says_so():
    @pipeline
    def p():
        with for_each([1, 2]) as n:
            scored = score(model=fit(data=load(rows=n).outputs["table"], lr=0.1).outputs["model"])
        score(model=scored.outputs["accuracy"])

    with pytest.raises(PipelineDefinitionError, match=r"is list<float>, input 'model' is artifact\(model\) \('score' runs once per item"):
        p.spec()


def test_blocks_are_used_where_they_make_sense():
    @pipeline
    def nested():
        with for_each([1]):
            with for_each([2]):
                takes_int(n=1)

    with pytest.raises(PipelineDefinitionError, match="for_each blocks do not nest"):
        nested.spec()

    @pipeline
    def empty():
        with for_each([1]):
            pass

    with pytest.raises(PipelineDefinitionError, match="the for_each block called no step"):
        empty.spec()

    @pipeline
    def mixed():
        with for_each([1, "a"]):
            takes_int(n=1)

    with pytest.raises(PipelineDefinitionError, match="the list mixes types"):
        mixed.spec()

    with pytest.raises(PipelineDefinitionError, match="used inside a @pipeline function only"):
        with for_each([1]):
            pass


def test_a_step_called_outside_a_pipeline_points_at_the_function():
    with pytest.raises(PipelineDefinitionError, match=r"call takes_int\.func\(\.\.\.\) to run the function itself"):
        takes_int(n=1)
    assert takes_int.func is not None and takes_int.func(n=1) is None


def test_renaming_to_a_taken_name_is_refused():
    @pipeline
    def p():
        takes_int(n=1)
        takes_int(n=2).set_name("takes_int")

    with pytest.raises(PipelineDefinitionError, match="a step named 'takes_int' already exists"):
        p.spec()


def test_parameters_need_hints_and_valid_defaults():
    @pipeline
    def untyped(n=1):  # type: ignore[no-untyped-def]
        takes_int(n=n)

    with pytest.raises(PipelineDefinitionError, match="parameter 'n' needs a type hint"):
        untyped.spec()

    @pipeline
    def bad_default(mode: Literal["a"] = "b"):
        takes_int(n=1)

    with pytest.raises(PipelineDefinitionError, match="'b' is not an enum\\(a\\)"):
        bad_default.spec()


def test_retry_objects_render_as_the_document_fields():
    assert Retry(limit=1, preemption_limit=5).spec() == {"limit": 1, "preemption_limit": 5}
    assert Cache(ignore_inputs=["x"], max_age="7d").spec() == {"ignore_inputs": ["x"], "max_age": "7d"}
    assert Resources(resource_class="gpu", cpu=2, memory="4Gi").spec() == {"class": "gpu", "cpu": 2, "memory": "4Gi"}


def test_step_functions_live_at_module_level_and_return_small_values():

    with pytest.raises(PipelineDefinitionError, match="must be defined at module level"):

        @step
        def inner(n: int) -> int:
            return n

    with pytest.raises(PipelineDefinitionError, match="needs a type hint"):
        step(_untyped)

    with pytest.raises(PipelineDefinitionError, match="write artifacts to Output"):
        step(_returns_model)

    assert Model.kind == "model"


def _untyped(n):  # type: ignore[no-untyped-def]
    return n


def _returns_model() -> Model:
    raise NotImplementedError


def test_a_single_output_is_task_output():
    @pipeline
    def p():
        model = fit(data=load(rows=1).outputs["table"], lr=0.1)
        takes_int(n=best(scores=[0.5], models=[]).output)
        return {"model": model.outputs["model"]}

    spec = p.spec()
    assert spec["steps"]["takes_int"]["inputs"]["n"] == {"type": "int", "from": "steps.best.outputs.output"}
    assert spec["outputs"] == {"model": {"from": "steps.fit.outputs.model"}}

    @pipeline
    def two():
        fit(data=load(rows=1).outputs["table"], lr=0.1).output

    with pytest.raises(PipelineDefinitionError, match="fit has 2 outputs: use .outputs"):
        two.spec()

    @pipeline
    def constant_artifact():
        best(scores=[0.5], models=["m.pkl"])

    with pytest.raises(PipelineDefinitionError, match=r"best\.models\[0\]: an artifact cannot be a constant"):
        constant_artifact.spec()


def test_a_step_reads_the_drift_report_of_the_alert_that_started_the_run():
    @pipeline(name="retrain")
    def p():
        retrain_on(drift_report=trigger_drift_report(), data=load(rows=1).outputs["table"])

    spec = p.spec()
    assert spec["steps"]["retrain_on"]["inputs"] == {
        "drift_report": {"type": "artifact", "kind": "drift_report", "from": "trigger.drift_report"},
        "data": {"type": "artifact", "kind": "dataset", "from": "steps.load.outputs.table"},
    }

    @pipeline(name="wrong-kind")
    def q():
        fit(data=trigger_drift_report(), lr=0.1)

    with pytest.raises(PipelineDefinitionError, match="drift_report"):
        q.spec()
