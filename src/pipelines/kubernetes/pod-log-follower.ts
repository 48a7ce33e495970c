import { PassThrough, type Writable } from 'node:stream';
import type { Log } from '@kubernetes/client-node';
import { STEP_CONTAINER } from './job-manifest.js';

/** A log line's RFC 3339 timestamp as a sortable key (seconds since the epoch, then nanoseconds), or undefined. */
export function logTimeKey(stamp: string): string | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1] ?? ''}${m[3] ?? ''}`);
  if (Number.isNaN(ms) || ms < 0) return undefined;
  return `${String(ms / 1000).padStart(12, '0')}.${(m[2] ?? '').padEnd(9, '0')}`;
}

/** The second a key falls in, as the `sinceTime` of a reopened stream (RFC 3339, seconds). */
function sinceTimeOf(key: string): string {
  const seconds = Number(key.slice(0, key.indexOf('.')));
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Follows a step pod's log into `out`, across connections: the API server closes a follow connection after a while
 * (or when the kubelet restarts), so the stream is read with `timestamps=true` and, when it ends before the
 * container has, reopened with `sinceTime` at the second of the last line written. `sinceTime` has second
 * precision, so the reopened stream repeats that second's lines: those at or before the last one written (by
 * timestamp, then by how many were written with that exact timestamp) are dropped. Timestamps are stripped; what
 * reaches `out` is the container's output exactly once. A connection that ends without its last line's newline is
 * cut mid-line: that piece is left to the next connection, except on the last one (the container's last output
 * without a newline).
 *
 * @example
 * const follower = new PodLogFollower(log, 'ml', pod, out);
 * follower.poke(false); // at each look at the pod
 * await follower.finish(5_000); // once the pod ended
 */
export class PodLogFollower {
  #lastKey: string | undefined;
  /** Lines written whose timestamp is `#lastKey`. */
  #atLastKey = 0;
  #connection: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #sink: PassThrough | undefined;
  /** A connection opened after the container ended has delivered everything. */
  #complete = false;
  #refused = 0;
  #closed = false;
  /** How many connections were opened (for tests and logs). */
  connections = 0;

  constructor(
    private readonly log: Log,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly out: Writable,
    private readonly maxRefusals = 5,
  ) {}

  /** Opens a connection unless one is open or everything has been read; `ended`: the container has terminated. */
  poke(ended: boolean): void {
    if (this.#connection !== undefined || this.#complete || this.#closed || this.#refused >= this.maxRefusals)
      return;
    this.#connection = this.read(ended).finally(() => (this.#connection = undefined));
  }

  /**
   * Once the container has ended: waits for the open connection, reopens (once the end is known, the last
   * connection reads to the end) until everything is in or `ms` have passed, then stops.
   */
  async finish(ms: number): Promise<void> {
    const until = Date.now() + ms;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    try {
      while (!this.#complete && !this.#closed && this.#refused < this.maxRefusals && Date.now() < until) {
        this.poke(true);
        const connection = this.#connection;
        if (connection === undefined) break;
        if ((await Promise.race([connection, late])) === 'late') break;
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.stop();
    }
  }

  /** Stops reading (a killed step): the open connection is aborted, nothing more is written. */
  stop(): void {
    this.#closed = true;
    this.#abort?.abort();
    this.#sink?.destroy();
  }

  private async read(ended: boolean): Promise<void> {
    const sink = new PassThrough();
    this.#sink = sink;
    const since = this.#lastKey;
    let skipAtLast = this.#atLastKey;
    let partial = '';
    const take = (line: string) => {
      const space = line.indexOf(' ');
      const key = space > 0 ? logTimeKey(line.slice(0, space)) : undefined;
      if (key === undefined) {
        this.write(line);
        return;
      }
      if (since !== undefined && key < since) return;
      if (since !== undefined && key === since && skipAtLast > 0) {
        skipAtLast -= 1;
        return;
      }
      this.write(line.slice(space + 1));
      if (key === this.#lastKey) this.#atLastKey += 1;
      else {
        this.#lastKey = key;
        this.#atLastKey = 1;
      }
    };
    const done = new Promise<void>((resolve) => {
      sink.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const part of parts) take(`${part}\n`);
      });
      sink.once('end', resolve);
      sink.once('error', () => resolve());
      sink.once('close', () => resolve());
    });
    this.connections += 1;
    try {
      this.#abort = await this.log.log(this.namespace, this.pod, STEP_CONTAINER, sink, {
        follow: true,
        timestamps: true,
        ...(since !== undefined ? { sinceTime: sinceTimeOf(since) } : {}),
      });
    } catch {
      this.#refused += 1;
      sink.destroy();
      return;
    }
    this.#refused = 0;
    await done;
    if (ended && !this.#closed) {
      // The container had ended when this connection opened: it read to the end, a last piece included.
      if (partial !== '') take(partial);
      this.#complete = true;
    }
  }

  private write(text: string): void {
    if (!this.#closed) this.out.write(text);
  }
}
