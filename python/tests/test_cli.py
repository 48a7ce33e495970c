import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def run(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "bosun_pipelines", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_compile_writes_yaml_to_standard_output():
    result = run("compile", "examples.pipelines.train_classifier:train_classifier")
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load(result.stdout)
    assert document["apiVersion"] == "bosun.dev/v1"
    assert list(document["steps"]) == ["prepare", "train", "pick_best", "register", "approve", "promote"]
    assert list(document["on_exit"]) == ["notify"]


def test_compile_writes_json_when_the_file_says_so(tmp_path):
    target = tmp_path / "pipeline.json"
    result = run("compile", "examples.pipelines.train_classifier:train_classifier", "-o", str(target))
    assert result.returncode == 0, result.stderr
    as_json = json.loads(target.read_text())
    as_yaml = yaml.safe_load(run("compile", "examples.pipelines.train_classifier:train_classifier", "--format", "yaml").stdout)
    assert as_json == as_yaml


def test_compile_says_what_is_wrong_with_the_target():
    not_a_target = run("compile", "examples.pipelines.train_classifier")
    assert not_a_target.returncode == 1
    assert "is not MODULE:PIPELINE" in not_a_target.stderr
    missing = run("compile", "examples.pipelines.train_classifier:nope")
    assert missing.returncode == 1
    assert "has no 'nope'" in missing.stderr
    not_a_pipeline = run("compile", "examples.pipelines.train_classifier:train")
    assert not_a_pipeline.returncode == 1
    assert "is not a @pipeline (it is a StepDefinition)" in not_a_pipeline.stderr
    no_module = run("compile", "no_such_module:p")
    assert no_module.returncode == 1
    assert "No module named 'no_such_module'" in no_module.stderr
