import SQLite from 'better-sqlite3';
import pg from 'pg';
import { expect, it, vi } from 'vitest';
import type { Engine } from '../../db/index.js';
import { PipelineStore } from '../store/pipeline-store.js';
import { describePipelineHarness } from '../test-support/describe-pipeline-harness.js';

const N = 40;

/** N independent no-op steps, cached or not (each its own cache key: `true` ignores its argument). */
const wide = (name: string, cache: boolean) => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name,
  steps: Object.fromEntries(
    Array.from({ length: N }, (_, i) => [
      `s${i}`,
      { command: ['true', String(i)], cache: { enabled: cache } },
    ]),
  ),
});

/** One statement as the driver sent it, and the connection it went through (transactions are per connection). */
interface Sent {
  text: string;
  connection: object;
}

/** Every SQL statement the process sends to the database, counted at the driver (below Kysely). */
function recordStatements(engine: Engine): Sent[] {
  const sent: Sent[] = [];
  switch (engine) {
    case 'sqlite': {
      const probe = new SQLite(':memory:');
      const statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<
        'run' | 'all' | 'get' | 'iterate',
        (...args: unknown[]) => unknown
      >;
      probe.close();
      for (const method of ['run', 'all', 'get', 'iterate'] as const) {
        const original = statement[method];
        vi.spyOn(statement, method).mockImplementation(function (
          this: { source: string; database: object },
          ...args
        ) {
          sent.push({ text: this.source, connection: this.database });
          return original.apply(this, args);
        });
      }
      return sent;
    }
    case 'postgres': {
      const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
      vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
        this: pg.Client,
        ...args: unknown[]
      ) {
        const first = args[0];
        const text = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '');
        sent.push({ text, connection: this });
        return query.apply(this, args);
      } as typeof pg.Client.prototype.query);
      return sent;
    }
  }
}

const isBegin = (text: string) => /^\s*begin\b/i.test(text);
const isEnd = (text: string) => /^\s*(commit|rollback)\b/i.test(text);
const isWrite = (text: string) => /^\s*(insert|update|delete)\b/i.test(text);
const onPipelineTables = (text: string) => /"pipeline_/.test(text);

/** Statements (without begin/commit), transactions, and commits: a transaction's, or a write's outside one. */
function tally(sent: readonly Sent[]) {
  const open = new Set<object>();
  const counts = { statements: 0, transactions: 0, commits: 0 };
  for (const { text, connection } of sent) {
    if (isBegin(text)) {
      open.add(connection);
      counts.transactions++;
    } else if (isEnd(text)) {
      open.delete(connection);
      counts.commits++;
    } else {
      counts.statements++;
      if (isWrite(text) && !open.has(connection)) counts.commits++;
    }
  }
  return counts;
}

/**
 * Statements, transactions and commits per no-op step of a wide run, counted at the database driver: the step's
 * pipeline rows and its MLflow run. The figures are printed for the record; the bounds keep them from creeping back.
 */
describePipelineHarness('SQL per pipeline step on %s', (h, engine) => {
  /** Runs a wide pipeline of N steps (4 at once) and returns the statements sent while it ran. */
  const runWide = async (name: string, cache: boolean): Promise<Sent[]> => {
    // No heartbeat during the run: its statements would make the count depend on how long the run takes.
    const pipelines = h.service({ heartbeatMs: 3_600_000, maxParallel: 4 });
    await pipelines.define({ document: wide(name, cache), createdBy: 'alice' });
    const sent = recordStatements(engine);
    const { run, done } = await pipelines.start({ name, params: {}, createdBy: 'alice' });
    expect(await done).toBe('succeeded');
    vi.restoreAllMocks();
    const steps = await new PipelineStore(h.platform.database).listSteps(run.runId);
    expect(steps.map((s) => s.state)).toEqual(Array.from({ length: N }, () => 'succeeded'));
    return sent;
  };

  it('a wide run of N no-op steps sends a bounded number of statements and transactions per step', async () => {
    const sent = await runWide('statements-wide', false);

    const all = tally(sent);
    const pipeline = tally(sent.filter((s) => onPipelineTables(s.text)));
    const perStep = (n: number) => (n / N).toFixed(2);
    const byText = new Map<string, number>();
    for (const { text } of sent) byText.set(text, (byText.get(text) ?? 0) + 1);
    console.info(
      `${engine}, a wide run of ${N} no-op steps, per step: ${perStep(all.statements)} statements, ` +
        `${perStep(all.transactions)} transactions, ${perStep(all.commits)} commits; on the pipeline tables ` +
        `${perStep(pipeline.statements)} statements, ${perStep(pipeline.commits)} commits\n` +
        [...byText.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([t, c]) => `  ${String(c).padStart(5)}  ${t.replace(/\s+/g, ' ').slice(0, 160)}`)
          .join('\n'),
    );
    // Every transaction ended.
    expect(sent.filter((s) => isEnd(s.text))).toHaveLength(all.transactions);
    // The pipeline tables, per step: the claim, the step's process and MLflow run recorded, the attempt's end with
    // its usage, each returning its row (before: those, a usage read and write, and ~3 re-reads of the row).
    // The rest of the run (its rows, its end) is a handful of statements, whatever N.
    expect(pipeline.statements).toBeLessThanOrEqual(3 * N + 10);
    expect(pipeline.commits).toBeLessThanOrEqual(3 * N + 10);
    // Everything, the step's MLflow run included: 15.4 statements on SQLite, 13.4 on PostgreSQL (25.2 and 23.3
    // before the driver's writes returned their rows; 20.5 and 18.5 before the step's MLflow run was started
    // without reading it back and ended together with its last batch). The MLflow run takes 2 transactions.
    expect(all.statements).toBeLessThanOrEqual(16 * N);
    expect(all.transactions).toBeLessThanOrEqual(2 * N + 10);
  });

  it('a step waiting for a free slot looks up the cache once, not once per pass of the driver', async () => {
    const sent = await runWide('statements-wide-cached', true);
    const lookups = sent.filter((s) => /^select .* where "cache_key" = /i.test(s.text)).length;
    console.info(`${engine}, a wide run of ${N} cached steps, 4 at once: ${lookups} cache lookups`);
    // One when a step is first found ready, one when a slot frees for it (and at most one more when another step
    // took that slot first). Before: every waiting step was decided again on every pass, ~N²/2 lookups.
    expect(lookups).toBeGreaterThanOrEqual(N);
    expect(lookups).toBeLessThanOrEqual(3 * N);
  });
});
