import type { CliIo } from './cli-context.js';
import type { LogOffsets, PipelineApi } from './pipeline-api.js';

type Json = Record<string, unknown>;

/** What was already printed of one unit (a step, or a fan-out item): its attempt and how far each stream went. */
interface Printed {
  attempt: number;
  stdout: number;
  stderr: number;
  /** Read once its step run had ended at this attempt: nothing more will come. */
  final: boolean;
}

/** States in which a step run has no output to read yet. */
const NOT_STARTED = new Set(['pending', 'waiting', 'skipped']);
/** States a step run does not leave on its own (its logs are then stored and complete). */
const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'cached', 'skipped']);

/** A step run's name as the CLI prints it: `step`, or `step[item]` for a fan-out item (of any wire object). */
export function unitOf(l: Json): string {
  return l['item_index'] === null || l['item_index'] === undefined
    ? String(l['step'])
    : `${String(l['step'])}[${String(l['item_index'])}]`;
}

/**
 * An answered stream as UTF-8 bytes, where they start and where the next read starts, offsets in bytes (the whole
 * stream when the API gives no offsets).
 */
function span(l: Json, stream: 'stdout' | 'stderr'): { bytes: Buffer; offset: number; next: number } {
  const bytes = Buffer.from(String(l[stream] ?? ''), 'utf8');
  const offset = typeof l[`${stream}_offset`] === 'number' ? (l[`${stream}_offset`] as number) : 0;
  const next =
    typeof l[`${stream}_next`] === 'number' ? (l[`${stream}_next`] as number) : offset + bytes.length;
  return { bytes, offset, next };
}

/**
 * `bosun pipeline logs --follow`: prints the steps' stdout and stderr as they are written, like `tail -f` on
 * several files (a `==> unit <==` header whenever the output switches to another step, stream or attempt),
 * until the run ends; then prints what the last steps wrote after the run's end and answers the run's status.
 * Each poll reads the run's steps, then asks only for what is new: one log read per step run that has started
 * and not been read to its end, from the byte offsets the previous read answered (`stdout_offset`,
 * `stderr_offset`), so a long log is not read again on every poll. A new attempt of a step starts its output again, from 0, under a
 * new header.
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
  const read = async (step: string, item: number | undefined, offsets: LogOffsets) =>
    (await api.logs(runId, step, item, offsets))[0];
  let first = true;
  for (;;) {
    // The run's state first: logs read after it are complete for a run that had already ended.
    const details = await api.getRun(runId);
    const status = String((details['run'] as Json)['status']);
    const steps = ((details['steps'] as Json[] | undefined) ?? []).filter(
      (s) =>
        (filter.step === undefined || s['step'] === filter.step) &&
        (filter.item === undefined || s['item_index'] === filter.item),
    );
    if (first && steps.length === 0 && filter.step !== undefined) {
      // No such step (or item): the API says so in its own words.
      await api.logs(runId, filter.step, filter.item);
    }
    first = false;
    for (const s of steps) {
      const unit = unitOf(s);
      const attempt = Number(s['attempt']);
      const before = printed.get(unit);
      if (NOT_STARTED.has(String(s['state'])) && before === undefined) continue;
      if (before !== undefined && before.attempt === attempt && before.final) continue;
      const item = typeof s['item_index'] === 'number' ? s['item_index'] : undefined;
      const from =
        before !== undefined && before.attempt === attempt
          ? { stdout: before.stdout, stderr: before.stderr }
          : { stdout: 0, stderr: 0 };
      let l = await read(String(s['step']), item, from);
      if (l === undefined) continue;
      const answered = Number(l['attempt']);
      // A newer attempt began since the run was read: its streams are read from their start.
      if (answered !== attempt && (from.stdout > 0 || from.stderr > 0)) {
        l = await read(String(s['step']), item, { stdout: 0, stderr: 0 });
        if (l === undefined) continue;
      }
      const now = Number(l['attempt']);
      const had = printed.get(unit);
      const position =
        had !== undefined && had.attempt === now
          ? { stdout: had.stdout, stderr: had.stderr }
          : { stdout: 0, stderr: 0 };
      for (const stream of ['stdout', 'stderr'] as const) {
        const { bytes, offset, next } = span(l, stream);
        const at = position[stream];
        // Answered from further back than printed (the stream was read whole): print only the rest. A stream
        // shorter than what was printed is not at its final place yet: wait for the next poll.
        if (offset > at || next < at) continue;
        emit(
          `${unit}${stream === 'stderr' ? ' stderr' : ''} (attempt ${now})`,
          bytes.subarray(at - offset).toString('utf8'),
        );
        position[stream] = next;
      }
      printed.set(unit, { attempt: now, ...position, final: ENDED.has(String(l['state'])) });
    }
    if (status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
