import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BosunError, InvalidParameterError, InvalidStateError } from '../../../shared/index.js';
import {
  BOSUN_PRESET,
  datasetDrift,
  EVIDENTLY_PRESET,
  ks2Samp,
  sortSample,
  wassersteinDistanceNormed,
  type ColumnData,
  type DriftPreset,
} from '../index.js';
import { DriftWorkerPool, parseDriftThreads } from './drift-pool.js';
import { finiteSorted } from './drift-tasks.js';
import { datasetDriftParallel, ksAndWassersteinColumns } from './parallel-drift.js';
import { describeWorkerError, errorFromWorker } from './worker-errors.js';
import { seededUniform } from '../../../shared/test-support/seeded-random.js';

/** A column on a SharedArrayBuffer (as the file readers make them), with some NaN and ±Infinity. */
function shared(n: number, make: (i: number) => number): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(n * 8));
  for (let i = 0; i < n; i++) out[i] = make(i);
  return out;
}

/** Random reference and current tables: continuous, shifted, integer (few values), holes, a cell column. */
function tables(seed: number, rows: number) {
  const u = seededUniform(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const side = (shift: number): Record<string, ColumnData> => ({
    gauss: shared(rows, () => normal() + shift),
    gamma: shared(rows, () => -Math.log(1 - u()) * (1 + shift)),
    holes: shared(rows, (i) => (i % 17 === 0 ? NaN : i % 29 === 0 ? Infinity : u() * 3 + shift)),
    ties: shared(rows, () => Math.floor(u() * 4)),
    // An ordinary (not shared) view on part of a larger buffer: cut out before posting.
    view: new Float64Array(rows + 10).map(() => u() + shift).subarray(5, rows + 5),
    cells: Array.from({ length: rows }, () => (u() < 0.5 ? 'a' : u() < 0.5 ? 'b' : 'c')),
  });
  return { reference: side(0), current: side(0.05) };
}

/** Numbers compared by their bits (so 0 and −0, or two NaNs, are told apart or not as stored). */
function bits(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' ? `${Object.is(v, -0) ? '-0' : String(v)}` : v,
  );
}

const pools: DriftWorkerPool[] = [];
function pool(size: number): DriftWorkerPool {
  const p = new DriftWorkerPool(size);
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('datasetDriftParallel: the columns on worker threads', () => {
  const presets: [string, DriftPreset, Parameters<typeof datasetDrift>[2]][] = [
    ['evidently, large reference (wasserstein, jensenshannon)', EVIDENTLY_PRESET, {}],
    [
      'bosun with Benjamini-Hochberg and KS on every numeric column',
      BOSUN_PRESET,
      { methodByType: { numerical: 'ks' } },
    ],
  ];
  for (const [name, preset, extra] of presets) {
    it(`gives datasetDrift's result bit for bit: ${name}`, async () => {
      const { reference, current } = tables(name.length, 3000);
      const options = { preset, multipleTesting: 'benjamini-hochberg' as const, ...extra };
      const single = datasetDrift(reference, current, options);
      const parallel = await datasetDriftParallel(reference, current, options, { pool: pool(2) });
      expect(bits(parallel)).toBe(bits(single));
      expect(parallel.testedColumns).toBe(6);
    });
  }

  it('runs in this thread for small data, one thread, or a custom preset, with the same result', async () => {
    const { reference, current } = tables(3, 500);
    const single = datasetDrift(reference, current);
    expect(bits(await datasetDriftParallel(reference, current))).toBe(bits(single));
    expect(bits(await datasetDriftParallel(reference, current, {}, { threads: 1 }))).toBe(bits(single));
    const custom: DriftPreset = { ...EVIDENTLY_PRESET, name: 'custom' };
    expect(bits(await datasetDriftParallel(reference, current, { preset: custom }, { threads: 2 }))).toBe(
      bits(datasetDrift(reference, current, { preset: custom })),
    );
  });

  it('raises the same typed error as datasetDrift for the first failing column', async () => {
    const reference = { a: shared(100, (i) => i * 0.5), b: shared(100, (i) => i * 0.25) };
    const current = { a: shared(100, (i) => i * 0.5), b: shared(100, () => NaN) };
    const expected = (() => {
      try {
        datasetDrift(reference, current);
      } catch (error) {
        return error;
      }
      throw new Error('datasetDrift accepted an all-missing column');
    })();
    expect(expected).toBeInstanceOf(InvalidParameterError);
    const failure = datasetDriftParallel(reference, current, {}, { pool: pool(2) });
    await expect(failure).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(failure).rejects.toThrow((expected as Error).message);
    await expect(datasetDriftParallel(reference, { a: current.a }, {}, { pool: pool(2) })).rejects.toThrow(
      "column 'b' is in the reference but not in the current data",
    );
  });
});

describe('ksAndWassersteinColumns', () => {
  it('equals ks2Samp and wassersteinDistanceNormed on the sorted finite values, on threads or not', async () => {
    const u = seededUniform(21);
    const make = (shift: number) =>
      Array.from({ length: 5 }, (_, c) =>
        shared(6000 + c * 1000, (i) =>
          i % 101 === 0 ? NaN : Math.round((u() + shift) * 1e3 * (c + 1)) / 1e3,
        ),
      );
    const reference = make(0);
    const current = make(0.02);
    const threaded = await ksAndWassersteinColumns(reference, current, { pool: pool(2) });
    const inline = await ksAndWassersteinColumns(reference, current, { threads: 1 });
    expect(bits(threaded)).toBe(bits(inline));
    reference.forEach((ref, c) => {
      const r = sortSample(finiteSorted(ref));
      const k = sortSample(finiteSorted(current[c]!));
      const ks = ks2Samp(r, k);
      expect(Object.is(threaded[c]!.ks.pValue, ks.pValue)).toBe(true);
      expect(Object.is(threaded[c]!.ks.statistic, ks.statistic)).toBe(true);
      expect(Object.is(threaded[c]!.wassersteinNormed, wassersteinDistanceNormed(r, k))).toBe(true);
      expect(threaded[c]!.missing.reference).toBe(Math.ceil(ref.length / 101));
    });
  });

  it('refuses tables with different numbers of columns', async () => {
    await expect(ksAndWassersteinColumns([new Float64Array(3)], [], { threads: 1 })).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
  });
});

describe('DriftWorkerPool', () => {
  it('rejects tasks after close, and close twice is fine', async () => {
    const p = new DriftWorkerPool(1);
    const answer = await p.run({
      kind: 'ks-wasserstein',
      reference: Float64Array.of(1, 2, 3),
      current: Float64Array.of(2, 3, 4),
    });
    expect(answer.kind).toBe('ks-wasserstein');
    await p.close();
    await p.close();
    await expect(
      p.run({ kind: 'ks-wasserstein', reference: Float64Array.of(1), current: Float64Array.of(2) }),
    ).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('does not keep a process alive when it is not closed', () => {
    const module = pathToFileURL(fileURLToPath(new URL('./drift-pool.ts', import.meta.url))).href;
    const script =
      `const { DriftWorkerPool } = await import(${JSON.stringify(module)});` +
      `const pool = new DriftWorkerPool(2);` +
      `const r = await pool.run({ kind: 'ks-wasserstein', reference: Float64Array.of(1, 2), current: Float64Array.of(3, 4) });` +
      `console.log(r.result.ks.statistic);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 600_000, // a ceiling for a hang, not a speed limit
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('1');
    expect(child.status).toBe(0);
  });

  it('checks its size', () => {
    expect(() => new DriftWorkerPool(0)).toThrow(InvalidParameterError);
    expect(parseDriftThreads('3')).toBe(3);
    expect(() => parseDriftThreads('two')).toThrow(InvalidParameterError);
    expect(() => parseDriftThreads('65')).toThrow(InvalidParameterError);
  });
});

describe('errors across threads', () => {
  it('come back as the same classes, codes and messages', () => {
    const again = (error: unknown) => errorFromWorker(describeWorkerError(error));
    const invalid = again(new InvalidParameterError('bad column'));
    expect(invalid).toBeInstanceOf(InvalidParameterError);
    expect(invalid.message).toBe('bad column');
    const coded = again(new BosunError('INTERNAL_ERROR', 'x'));
    expect(coded).toBeInstanceOf(BosunError);
    expect((coded as BosunError).code).toBe('INTERNAL_ERROR');
    const plain = again(new RangeError('r'));
    expect([plain.name, plain.message]).toEqual(['RangeError', 'r']);
    expect(again('text').message).toBe('text');
  });
});
