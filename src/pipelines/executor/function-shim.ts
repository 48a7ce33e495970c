/**
 * The Python program that runs a `function:` step: imports `module:function` from the code folder, calls it with
 * the inputs as keyword arguments (an artifact input as an object with `.path`, `Output[...]` parameters as objects
 * whose `.path` the function writes), and writes the returned value outputs as JSON where the executor reads them
 * (one value for a single output; a mapping or named tuple for several). Standard library only; uses the
 * bosun_pipelines artifact classes when that package is installed, and calls a `@step`-decorated function's own
 * function (the decorated object only builds pipelines).
 */
export const FUNCTION_SHIM = String.raw`
import importlib, json, sys
with open(sys.argv[1]) as f:
    call = json.load(f)
sys.path.insert(0, call["code_dir"])
_step_class = None
try:
    from bosun_pipelines import types as _types
    _classes = {"dataset": _types.Dataset, "model": _types.Model, "metrics": _types.Metrics}
    _base = _types.Artifact
    from bosun_pipelines.steps import StepDefinition as _step_class
except Exception:
    class _base:
        def __init__(self, path, uri=None):
            self.path = path
            self.uri = uri
    _classes = {}
def _artifact(spec):
    cls = _classes.get(spec.get("kind") or "", _base)
    return cls(spec["path"])
kwargs = {}
for name, value in call["inputs"].items():
    kwargs[name] = value
for name, spec in call["artifact_inputs"].items():
    kwargs[name] = [_artifact(s) for s in spec] if isinstance(spec, list) else _artifact(spec)
for name, spec in call["artifact_outputs"].items():
    kwargs[name] = _artifact(spec)
module, function = call["function"].split(":")
target = getattr(importlib.import_module(module), function)
if _step_class is not None and isinstance(target, _step_class) and target.func is not None:
    target = target.func  # a @step-decorated function: call the function itself
result = target(**kwargs)
outputs = call["value_outputs"]
if len(outputs) == 1:
    (name, path), = outputs.items()
    if isinstance(result, dict) and name in result and len(result) == 1:
        result = result[name]
    elif hasattr(result, "_asdict"):
        result = result._asdict().get(name, result)
    with open(path, "w") as f:
        json.dump(result, f)
elif outputs:
    values = result._asdict() if hasattr(result, "_asdict") else dict(result)
    for name, path in outputs.items():
        with open(path, "w") as f:
            json.dump(values[name], f)
`;
