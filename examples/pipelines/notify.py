"""Exit handler `notify` of the example pipeline: posts how the run ended to a Slack webhook. The webhook URL
arrives as the environment variable SLACK_WEBHOOK_URL from the secret store, never in the pipeline file."""

import argparse
import json
import os
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--status", required=True)
args = parser.parse_args()

request = urllib.request.Request(
    os.environ["SLACK_WEBHOOK_URL"],
    data=json.dumps({"text": f"train-classifier {args.status}"}).encode(),
    headers={"Content-Type": "application/json"},
)
urllib.request.urlopen(request, timeout=10).close()
