"""Adds up the JUnit XML reports of every suite and prints one closing line: 'summary: N passed, N failed'.

Exits non-zero when any test failed, any suite wrote no report, or an earlier step (lint, types) failed.
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

reports = Path(sys.argv[1])
step_failures = int(sys.argv[2]) if len(sys.argv) > 2 else 0
expected = [
    "vitest.xml",
    "browser.xml",
    "python-pipelines.xml",
    "compat-mlflow3.xml",
    "compat-mlflow2.xml",
    "compat-mlflow3-auth-password.xml",
    "compat-mlflow2-auth-token.xml",
    "compat-mlflow3-s3.xml",
    "robustness.xml",
    "import.xml",
    "fuzz-openapi.xml",
]
passed = failed = skipped = 0
missing = []
failures = []  # (report, test) of each failed case, printed last so a truncated log still names them
for name in expected:
    path = reports / name
    if not path.exists():
        missing.append(name)
        continue
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        for case in suite.iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is not None:
                failed += 1
                where = case.get("classname") or suite.get("name") or ""
                message = (problem.get("message") or problem.text or "").strip().splitlines()
                failures.append((name, f"{where} > {case.get('name')}", message[0][:300] if message else ""))
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    print(f"  {name}: read")
if missing:
    print(f"suites that wrote no report (counted as failed): {', '.join(missing)}")
    failed += len(missing)
if step_failures:
    print(f"{step_failures} lint/type step(s) failed (counted as failed)")
    failed += step_failures
for report, test, message in failures:
    print(f"FAILED [{report}] {test}")
    if message:
        print(f"    {message}")
line = f"summary: {passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
