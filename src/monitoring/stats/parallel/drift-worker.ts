/**
 * The entry point of a drift worker thread ({@link DriftWorkerPool} starts it): answers each posted
 * {@link DriftTask} with its result, or with the error it raised (name, code and message, so the pool rethrows
 * the same typed error). One task at a time; the sort's working buffer is kept between tasks.
 */
import { parentPort } from 'node:worker_threads';
import { runDriftTask, SortScratch, type DriftTask } from './drift-tasks.js';
import { describeWorkerError } from './worker-errors.js';

const scratch = new SortScratch();
const port = parentPort;
if (port === null) throw new Error('drift-worker.ts runs as a worker thread');
port.on('message', (message: { readonly id: number; readonly task: DriftTask }) => {
  try {
    port.postMessage({ id: message.id, ok: true, result: runDriftTask(message.task, scratch) });
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, error: describeWorkerError(error) });
  }
});
