"""``python -m bosun_pipelines compile MODULE:PIPELINE [-o FILE] [--format yaml|json]``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import List, Optional

from . import __version__
from .pipeline import PipelineDefinition
from .types import PipelineDefinitionError


def _load(target: str) -> PipelineDefinition:
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise PipelineDefinitionError(f"'{target}' is not MODULE:PIPELINE, such as my_project.pipelines:train")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    found = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise PipelineDefinitionError(f"module {module_name} has no '{attribute}'")
        found = getattr(found, part)
    if not isinstance(found, PipelineDefinition):
        raise PipelineDefinitionError(f"{target} is not a @pipeline (it is a {type(found).__name__})")
    return found


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bosun_pipelines", description="Compile Python pipelines for Bosun.")
    parser.add_argument("--version", action="version", version=f"bosun-pipelines {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    compile_ = commands.add_parser("compile", help="write a @pipeline's document as YAML or JSON")
    compile_.add_argument("target", help="MODULE:PIPELINE, such as my_project.pipelines:train")
    compile_.add_argument("-o", "--output", help="the file to write (default: standard output)")
    compile_.add_argument("--format", choices=["yaml", "json"], help="default: from the file's extension, else yaml")
    args = parser.parse_args(argv)

    try:
        definition = _load(args.target)
        fmt = args.format or ("json" if (args.output or "").endswith(".json") else "yaml")
        text = definition.to_json() if fmt == "json" else definition.to_yaml()
    except (PipelineDefinitionError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
