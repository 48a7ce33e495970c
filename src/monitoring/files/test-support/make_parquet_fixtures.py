"""Writes the small Parquet files the readers' tests read (pyarrow 25, the mlflow3 test venv):
    .cache/venv-mlflow3/bin/python src/monitoring/files/test-support/make_parquet_fixtures.py
The files are committed; run this again only to change them."""
import datetime
import os

import pyarrow as pa
import pyarrow.parquet as pq

here = os.path.dirname(os.path.abspath(__file__))
flat = pa.table(
    {
        "score": pa.array([0.5, 1.25, None, 3.0], pa.float64()),
        "count": pa.array([1, 2, 3, 2**40], pa.int64()),
        "city": pa.array(["a", "b", None, "<b>c</b>"], pa.string()),
        "flag": pa.array([True, False, True, None], pa.bool_()),
        "day": pa.array([datetime.datetime(2026, 1, d) for d in (1, 2, 3, 4)], pa.timestamp("ms")),
    }
)
pq.write_table(flat, os.path.join(here, "flat-snappy.parquet"), compression="snappy")
pq.write_table(flat, os.path.join(here, "flat-gzip.parquet"), compression="gzip")
pq.write_table(flat, os.path.join(here, "flat-zstd.parquet"), compression="zstd")
nested = pa.table({"id": [1, 2], "tags": pa.array([["x"], ["y", "z"]], pa.list_(pa.string()))})
pq.write_table(nested, os.path.join(here, "nested.parquet"))
binary = pa.table({"x": [1.0, 2.0], "uuid": pa.array([b"abcd", b"\x00\x01\x02\x03"], pa.binary(4))})
pq.write_table(binary, os.path.join(here, "fixed-binary.parquet"))
groups = pa.table({"x": [float(i) for i in range(10)], "s": [f"v{i % 3}" if i != 4 else None for i in range(10)]})
pq.write_table(groups, os.path.join(here, "row-groups.parquet"), row_group_size=3)
