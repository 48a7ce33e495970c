"""Loaded (through PYTHONPATH) only by the `mlflow-pysqlite3` benchmark target.

It makes the MLflow server use the SQLite library bundled in the `pysqlite3-binary` wheel instead of the one the
Python interpreter links (Debian 12's 3.40.1 here), by putting `pysqlite3` in place of the standard `sqlite3`
module before SQLAlchemy imports it. Nothing else about MLflow changes. The benchmark runs both variants because
SQLite's query planner changed between those versions in a way that decides MLflow's search latency.
"""

import sys

try:
    import pysqlite3  # type: ignore[import-not-found]
    import pysqlite3.dbapi2  # type: ignore[import-not-found]
except ImportError:  # the target checks the version it gets and refuses to run without the wheel
    pass
else:
    sys.modules["sqlite3"] = pysqlite3
    sys.modules["sqlite3.dbapi2"] = pysqlite3.dbapi2
