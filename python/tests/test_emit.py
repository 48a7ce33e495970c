import json

import pytest
import yaml  # PyYAML, a test-only dependency: an independent YAML reader to check the emitter against

from bosun_pipelines import to_json, to_yaml

TRICKY = [
    "plain",
    "yes",
    "No",
    "on",
    "null",
    "~",
    "true",
    "1.5",
    "0x10",
    "1e3",
    ".inf",
    "",
    " leading",
    "trailing ",
    "a: b",
    "a #b",
    "- item",
    "{{inputs.x}}",
    "[1]",
    "'quoted'",
    '"double"',
    "multi\nline",
    "tab\there",
    "back\\slash",
    "ünïcödé ✓",
    "emoji 🙂",
    "del\x7fchar",
    "line\u2028sep",
    "@at",
    "%percent",
    "!tag",
    "&anchor",
    "*alias",
    "|pipe",
    ">fold",
    "scikit-learn==1.5.2",
    "examples/pipelines/prepare_data.py",
]


@pytest.mark.parametrize("text", TRICKY)
def test_every_string_reads_back_as_itself(text):
    doc = {"key": text, "list": [text], text or "empty-key": 1}
    assert yaml.safe_load(to_yaml(doc)) == doc


def test_nested_maps_lists_and_scalars_read_back():
    doc = {
        "a": {"b": [1, 2.5, -3, True, False, None], "c": {}, "d": [], "e": {"f": [{"g": 1, "h": [{"i": "j"}]}, [1, [2]]]}},
        "k": 1e-07,
        "l": 12345678901234567890,
    }
    text = to_yaml(doc)
    assert yaml.safe_load(text) == doc
    assert json.loads(to_json(doc)) == doc


def test_numbers_that_cannot_be_written_are_refused():
    with pytest.raises(ValueError):
        to_yaml({"x": float("nan")})
    with pytest.raises(ValueError):
        to_json({"x": float("inf")})
