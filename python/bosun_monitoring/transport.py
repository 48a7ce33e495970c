"""One HTTP POST to Bosun's monitoring API, and what its answer means for the batch that was sent."""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

API_PREFIX = "/api/bosun/v1/monitoring"

# Answers worth sending the same batch again for: the server or a proxy was busy or failing.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

# Bosun names the refused record first in its message: "records[5].features.x: ..." or "labels[2].request_id: ...".
_RECORD_AT = re.compile(r"^(?:records|labels)\[(\d+)\]")


@dataclass(frozen=True)
class Delivered:
    """The server stored the whole batch."""


@dataclass(frozen=True)
class Refused:
    """The server refused the batch and would refuse it again. ``index``: the one record it named, if any."""

    status: int
    message: str
    index: Optional[int]

    @property
    def already_logged(self) -> bool:
        """The named record's request id is stored already (a batch sent twice is refused the second time)."""
        return "was logged before" in self.message


@dataclass(frozen=True)
class Retry:
    """Not stored, or not known to be: send it again later. ``ambiguous``: the server may have stored it."""

    reason: str
    ambiguous: bool
    retry_after: Optional[float] = None


Outcome = Union[Delivered, Refused, Retry]


def _retry_after(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # the HTTP-date form: fall back on the logger's own backoff
    return seconds if 0 <= seconds <= 3600 else None


class Transport:
    """Posts JSON to one Bosun server with the same credentials the ``mlflow`` client would use."""

    def __init__(
        self,
        tracking_uri: Optional[str],
        token: Optional[str],
        username: Optional[str],
        password: Optional[str],
        timeout: float,
    ) -> None:
        uri = tracking_uri or os.environ.get("BOSUN_TRACKING_URI") or os.environ.get("MLFLOW_TRACKING_URI")
        if not uri:
            raise ValueError("no server: pass tracking_uri or set BOSUN_TRACKING_URI or MLFLOW_TRACKING_URI")
        parsed = urllib.parse.urlparse(uri)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"tracking_uri must be an http(s) URL of a Bosun server, not {uri!r}")
        self.base = uri.rstrip("/")
        self.timeout = timeout
        token = token or os.environ.get("BOSUN_TRACKING_TOKEN") or os.environ.get("MLFLOW_TRACKING_TOKEN")
        username = username or os.environ.get("MLFLOW_TRACKING_USERNAME")
        password = password or os.environ.get("MLFLOW_TRACKING_PASSWORD")
        self.headers = {"content-type": "application/json", "accept": "application/json"}
        if token:
            self.headers["authorization"] = f"Bearer {token}"
        elif username and password:
            pair = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.headers["authorization"] = f"Basic {pair}"

    def model_url(self, model_name: str, leaf: str) -> str:
        return f"{self.base}{API_PREFIX}/models/{urllib.parse.quote(model_name, safe='')}/{leaf}"

    def post(self, url: str, body: Dict[str, Any]) -> Outcome:
        data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode()
        request = urllib.request.Request(url, data=data, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
            return Delivered()
        except urllib.error.HTTPError as error:
            status = error.code
            text = error.read().decode("utf-8", "replace")
            if status in RETRYABLE_STATUS:
                return Retry(f"HTTP {status}", ambiguous=status >= 500, retry_after=_retry_after(error.headers.get("retry-after")))
            message = text
            try:
                message = str(json.loads(text).get("message", text))
            except (ValueError, AttributeError):
                pass
            match = _RECORD_AT.match(message)
            return Refused(status, message, int(match.group(1)) if match else None)
        except urllib.error.URLError as error:
            # Refused before anything was sent, or lost on the way back: only the first is known to be unsent.
            refused = isinstance(error.reason, ConnectionRefusedError)
            return Retry(f"unreachable: {error.reason}", ambiguous=not refused)
        except (TimeoutError, ConnectionError, OSError) as error:
            return Retry(f"connection: {error}", ambiguous=True)
