import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ArtifactEntry, ArtifactRead, ArtifactStore } from '../../artifacts/index.js';
import { scanArtifactTree } from './index.js';

/**
 * A store whose files are slow the way remote storage can be: `get` never answers, or answers and then stops
 * sending. (A fake of Bosun's own interface, as the design asks; nothing here mocks a driver.)
 */
class StallingStore implements ArtifactStore {
  readonly destroyed: Readable[] = [];
  constructor(private readonly mode: 'no-answer' | 'stops-sending') {}

  async put(): Promise<void> {
    throw new Error('read-only');
  }
  async delete(): Promise<void> {
    throw new Error('read-only');
  }
  async list(path: string): Promise<ArtifactEntry[]> {
    return path === 'model' ? [{ path: 'model.pkl', isDir: false, fileSize: 1_000 }] : [];
  }
  get(): Promise<ArtifactRead> {
    if (this.mode === 'no-answer') return new Promise<ArtifactRead>(() => undefined);
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from([0x80, 0x04]));
    stream.on('close', () => this.destroyed.push(stream));
    return Promise.resolve({ stream, size: 1_000 });
  }
}

describe('scanning reads within the time budget', () => {
  it('storage that never answers fails the scan on timeBudgetMs instead of holding it', async () => {
    const verdict = await scanArtifactTree(new StallingStore('no-answer'), 'model', { timeBudgetMs: 300 });
    expect(verdict.status).toBe('failed');
    if (verdict.status === 'failed') expect(verdict.error).toMatch(/timeBudgetMs.*reading model\.pkl/);
  });

  it('a stream that stops sending fails the scan and is destroyed', async () => {
    const store = new StallingStore('stops-sending');
    const verdict = await scanArtifactTree(store, 'model', { timeBudgetMs: 300 });
    expect(verdict.status).toBe('failed');
    if (verdict.status === 'failed') expect(verdict.error).toContain('timeBudgetMs');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.destroyed).toHaveLength(1);
  });
});
