import { formatLabels } from './worker-labels.js';
import { DEFAULT_WORKER_TIMEOUT_MS, type WorkerInfo } from './worker-store.js';

/** A worker as the API answers it (snake_case); `alive`: heartbeat within the timeout, by the server's clock. */
export interface WorkerWire {
  name: string;
  worker_id: string;
  host: string;
  pid: number;
  labels: { cpu: number; memory_bytes: number; gpu: number; spot: boolean };
  labels_text: string;
  concurrency: number;
  running: number;
  state: WorkerInfo['state'];
  alive: boolean;
  started_at: number;
  last_heartbeat: number;
}

export function workerToWire(w: WorkerInfo, now: number, timeoutMs = DEFAULT_WORKER_TIMEOUT_MS): WorkerWire {
  return {
    name: w.name,
    worker_id: w.workerId,
    host: w.host,
    pid: w.pid,
    labels: { cpu: w.labels.cpu, memory_bytes: w.labels.memoryBytes, gpu: w.labels.gpu, spot: w.labels.spot },
    labels_text: formatLabels(w.labels),
    concurrency: w.concurrency,
    running: w.running,
    state: w.state,
    alive: w.state !== 'stopped' && now - w.heartbeatAt <= timeoutMs,
    started_at: w.startedAt,
    last_heartbeat: w.heartbeatAt,
  };
}
