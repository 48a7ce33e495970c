"""Writing a pipeline document as YAML or JSON, with the standard library only.

The YAML is block style; a string is written bare only when no YAML reader (1.1 or 1.2) could take it for
anything else, and otherwise in double quotes with JSON's escapes (valid YAML). Keys keep their order.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, List

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
# Words some YAML reader takes for a boolean or null (YAML 1.1 reads yes/no/on/off/y/n as booleans).
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
_UNSAFE_CHARS = re.compile("[\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]")


def _string(value: str) -> str:
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", quoted)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written in a pipeline document")
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        # 1e-07 is a float to YAML 1.2 but a string to YAML 1.1 readers (PyYAML), which want a dot: 1.0e-07.
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} in a pipeline document")


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"keys are strings, not {type(key).__name__}")
    return _string(key)


def _block(value: Any, indent: int, out: List[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list, tuple)) and len(v) > 0:
                out.append(f"{pad}{_key(k)}:")
                _block(v, indent + 2, out)
            else:
                out.append(f"{pad}{_key(k)}: {_inline(v)}")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, dict) and len(item) > 0:
                nested: List[str] = []
                _block(item, indent + 2, nested)
                first = nested[0]
                out.append(f"{pad}- {first[indent + 2:]}")
                out.extend(nested[1:])
            elif isinstance(item, (list, tuple)) and len(item) > 0:
                out.append(f"{pad}-")
                _block(item, indent + 2, out)
            else:
                out.append(f"{pad}- {_inline(item)}")
        return
    out.append(f"{pad}{_scalar(value)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return _scalar(value)


def to_yaml(document: Any) -> str:
    """The document as YAML text (a mapping at the top)."""
    if not isinstance(document, dict):
        raise TypeError("a pipeline document is a mapping")
    out: List[str] = []
    _block(document, 0, out)
    return "\n".join(out) + "\n"


def to_json(document: Any) -> str:
    """The document as indented JSON text."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
