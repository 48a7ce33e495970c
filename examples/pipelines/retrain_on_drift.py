"""The retraining step of retrain-on-drift.yaml: reads the alert's drift report and records why it retrains.

Run by the pipeline as `python retrain_on_drift.py REPORT_DIR MODEL_NAME`; it needs only the standard library and
the step's environment (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and, with auth on, MLFLOW_TRACKING_TOKEN), so the
unchanged mlflow client would do as well. Retraining itself is yours: the drifted columns are in the report.
"""

import json
import os
import sys
import urllib.request


def log_batch(metrics, params):
    body = {
        "run_id": os.environ["MLFLOW_RUN_ID"],
        "metrics": [{"key": k, "value": v, "timestamp": 0, "step": 0} for k, v in metrics.items()],
        "params": [{"key": k, "value": v} for k, v in params.items()],
    }
    headers = {"content-type": "application/json"}
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
    request = urllib.request.Request(
        os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-batch",
        data=json.dumps(body).encode(),
        headers=headers,
    )
    urllib.request.urlopen(request).read()


def main(report_dir, model_name):
    with open(os.path.join(report_dir, "report.json")) as f:
        report = json.load(f)
    drifted = report["dataset"]["driftedColumns"]
    print(f"{model_name}: {report['alert']['message']} (result {report['window']['resultId']})")
    for column in report["columns"]:
        if column["drifted"]:
            print(f"  {column['name']}: {column['method']} {column['value']:.4g} vs threshold {column['threshold']}")
    # ... retrain on fresh data here, weighting or re-engineering the drifted columns ...
    log_batch(
        {"drift_share": report["dataset"]["driftShare"], "drifted_columns": len(drifted)},
        {"drifted": ",".join(drifted)[:500] or "-", "alert_id": report["alert"]["id"]},
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
