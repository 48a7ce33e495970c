/** One line the step spawner writes (see `STEP_SPAWNER_PROGRAM`), parsed. */
export type SpawnerReply =
  | { type: 'ready' }
  | { type: 'started'; id: number; pid: number }
  | { type: 'spawn-failed'; id: number; message: string }
  /** A chunk a step with `pipes` wrote (not yet masked), and the end of one of its streams. */
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'eof'; id: number; stream: 'stdout' | 'stderr' }
  | {
      type: 'ended';
      id: number;
      end: { code: number } | { signal: string };
      usage: { cpuMs: number; peakRssBytes: number };
    };

/** One request to the step spawner: start `argv` in `cwd` with exactly `env`, output appended to the two files. */
export interface SpawnerRequest {
  id: number;
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  stdout: string;
  stderr: string;
  /** Give the step two pipes and forward what it writes (`output`, `eof`) instead of opening the files. */
  pipes?: boolean;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parses one line of the spawner's output; undefined for anything that is not a reply it sends. */
export function parseSpawnerReply(line: string): SpawnerReply | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (r.type === 'ready') return { type: 'ready' };
  if (!isNumber(r.id)) return undefined;
  switch (r.type) {
    case 'started':
      return isNumber(r.pid) ? { type: 'started', id: r.id, pid: r.pid } : undefined;
    case 'spawn-failed':
      return typeof r.message === 'string'
        ? { type: 'spawn-failed', id: r.id, message: r.message }
        : undefined;
    case 'output':
    case 'eof': {
      const stream = r.stream === 'stdout' || r.stream === 'stderr' ? r.stream : undefined;
      if (stream === undefined) return undefined;
      if (r.type === 'eof') return { type: 'eof', id: r.id, stream };
      return typeof r.data === 'string'
        ? { type: 'output', id: r.id, stream, data: Buffer.from(r.data, 'base64') }
        : undefined;
    }
    case 'ended': {
      if (!isNumber(r.cpu_ms) || !isNumber(r.peak_rss_bytes)) return undefined;
      const end = isNumber(r.code)
        ? { code: r.code }
        : typeof r.signal === 'string'
          ? { signal: r.signal }
          : undefined;
      if (end === undefined) return undefined;
      return { type: 'ended', id: r.id, end, usage: { cpuMs: r.cpu_ms, peakRssBytes: r.peak_rss_bytes } };
    }
    default:
      return undefined;
  }
}

/** The request as the line the spawner reads. */
export function spawnerRequestLine(request: SpawnerRequest): string {
  return `${JSON.stringify(request)}\n`;
}
