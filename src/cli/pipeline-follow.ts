import type { CliIo } from './cli-context.js';
import type { PipelineApi } from './pipeline-api.js';

type Json = Record<string, unknown>;

/** What was already printed of one unit's stream (a step, or a fan-out item, and its attempt). */
interface Printed {
  attempt: number;
  length: number;
}

/** A step run's name as the CLI prints it: `step`, or `step[item]` for a fan-out item (of any wire object). */
export function unitOf(l: Json): string {
  return l['item_index'] === null || l['item_index'] === undefined
    ? String(l['step'])
    : `${String(l['step'])}[${String(l['item_index'])}]`;
}

/**
 * `bosun pipeline logs --follow`: prints the steps' stdout and stderr as they are written, like `tail -f` on
 * several files (a `==> unit <==` header whenever the output switches to another step, stream or attempt),
 * until the run ends; then prints what the last steps wrote after the run's end and answers the run's status.
 * Each poll reads the logs whole and prints what is new, so it works over HTTP and over the database alike; a
 * new attempt of a step starts its output again under a new header.
 */
export async function followLogs(
  api: PipelineApi,
  runId: string,
  filter: { step?: string; item?: number },
  io: CliIo,
  intervalMs: number,
): Promise<string> {
  const printed = new Map<string, Printed>();
  let lastHeader = '';
  const emit = (header: string, text: string) => {
    if (text === '') return;
    if (header !== lastHeader) io.stdout(`${lastHeader === '' ? '' : '\n'}==> ${header} <==\n`);
    lastHeader = header;
    io.stdout(text);
  };
  for (;;) {
    // The run's state first: logs read after it are complete for a run that had already ended.
    const status = String(((await api.getRun(runId))['run'] as Json)['status']);
    const logs = await api.logs(runId, filter.step, filter.item);
    for (const l of logs) {
      const unit = unitOf(l);
      const attempt = Number(l['attempt']);
      for (const stream of ['stdout', 'stderr'] as const) {
        const key = `${unit} ${stream}`;
        const text = String(l[stream] ?? '');
        const before = printed.get(key);
        const from = before !== undefined && before.attempt === attempt ? before.length : 0;
        if (text.length < from) continue; // not re-read yet from its final place: wait for the next poll
        const header = `${unit}${stream === 'stderr' ? ' stderr' : ''} (attempt ${attempt})`;
        emit(header, text.slice(from));
        printed.set(key, { attempt, length: text.length });
      }
    }
    if (status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
