"""Log a model's production predictions (and labels that arrive later) to Bosun's monitoring from serving code.

``PredictionLogger`` queues each call in memory and returns at once; a background thread sends the queue in
batches to ``POST /api/bosun/v1/monitoring/models/{name}/predictions`` (and ``.../labels``), retrying while the
server is unreachable. Standard library only, like ``bosun_pipelines``::

    from bosun_monitoring import PredictionLogger

    logger = PredictionLogger("churn", alias="champion")   # BOSUN_TRACKING_URI or MLFLOW_TRACKING_URI
    request_id = logger.log({"age": 41, "city": "Lyon"}, prediction="pro")
    ...
    logger.log_label(request_id, "basic")                  # when the truth is known
    logger.close()                                         # sends what is queued (also done at exit)
"""

from .logger import LoggerStats, PredictionLogger

__all__ = ["LoggerStats", "PredictionLogger"]
