"""Compares two --results-json files of run.sh (MLflow as the reference, Bosun) as a Markdown table.

    python3 scripts/mlflow-server-tests/compare.py mlflow.json bosun.json [--reasons reasons.json] > table.md

``reasons.json`` (optional) maps a test name, or the name's prefix before ``[``, to the reason of a Bosun
failure, e.g. ``{"test_graphql_handler": "(a) GraphQL"}``; failures without one show their first error line.
Tests that do not talk to the server under test (they start MLflow's own server or store in the test process)
are listed apart: they pass or fail the same whatever server is under test.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

PASSING = {"passed", "xpassed"}


def load(path: str) -> dict[str, dict[str, object]]:
    return json.loads(Path(path).read_text())["tests"]


def short(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


def first_error(failure: object) -> str:
    lines = [line[2:].strip() for line in str(failure).splitlines() if line.strip()]
    text = next((line for line in lines if line and not line.startswith("assert ")), lines[0] if lines else "")
    return text.replace("|", "\\|")[:220]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("bosun")
    parser.add_argument("--reasons", default=None)
    args = parser.parse_args()
    reference, bosun = load(args.reference), load(args.bosun)
    reasons: dict[str, str] = json.loads(Path(args.reasons).read_text()) if args.reasons else {}

    rows, outside = [], []
    ordered = list(reference) + [nodeid for nodeid in bosun if nodeid not in reference]
    for nodeid in ordered:
        ref = reference.get(nodeid, {"outcome": "absent", "uses_server": False})
        bos = bosun.get(nodeid, {"outcome": "absent", "uses_server": False, "failure": ""})
        name = short(nodeid)
        if not (ref.get("uses_server") or bos.get("uses_server")):
            outside.append((name, ref["outcome"], bos["outcome"]))
            continue
        reason = ""
        if bos["outcome"] not in PASSING and bos["outcome"] not in ("skipped", "xfailed"):
            reason = reasons.get(name) or reasons.get(name.split("[")[0]) or first_error(bos.get("failure", ""))
        rows.append((nodeid.split("::")[0].rsplit("/", 1)[-1], name, ref["outcome"], bos["outcome"], reason))

    counts = {target: Counter(str(r[i]) for r in rows) for target, i in (("MLflow", 2), ("Bosun", 3))}
    print("| file | test | MLflow | Bosun | reason of the Bosun failure |")
    print("|---|---|---|---|---|")
    for file, name, ref, bos, reason in rows:
        print(f"| {file} | `{name}` | {ref} | {bos} | {reason} |")
    print()
    for target, counter in counts.items():
        print(f"* {target}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counter.items())))
    if outside:
        print("\nTests that do not use the server under test (MLflow in the test process, or a server of their own):\n")
        for name, ref, bos in outside:
            print(f"* `{name}`: {ref} / {bos}")


if __name__ == "__main__":
    main()
