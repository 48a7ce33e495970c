import { describe, expect, it } from 'vitest';
import { loadServerConfig } from '../shared/index.js';
import { captureCli } from './test-support/capture-cli.js';

describe('bosun worker and --pipeline-executor', () => {
  it("worker refuses a SQLite database, saying it needs the server's PostgreSQL", async () => {
    const r = await captureCli(['worker', '--backend-store-uri', 'sqlite:///tmp/never-opened.db']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("bosun worker needs the server's PostgreSQL database");
  });

  it('worker refuses bad labels and concurrency before connecting', async () => {
    const uri = 'postgresql://nobody@127.0.0.1:1/never';
    const labels = await captureCli(['worker', '--backend-store-uri', uri, '--labels', 'gpu=many']);
    expect(labels.code).toBe(2);
    expect(labels.err).toContain("Invalid --labels entry 'gpu=many'");
    const concurrency = await captureCli(['worker', '--backend-store-uri', uri, '--concurrency', '0']);
    expect(concurrency.code).toBe(2);
    expect(concurrency.err).toContain("Invalid --concurrency '0'");
  });

  it('the server refuses the workers executor on SQLite and unknown executors', () => {
    expect(() =>
      loadServerConfig({ pipelineExecutor: 'workers', backendStoreUri: 'sqlite:///tmp/x.db' }, {}),
    ).toThrow(/--pipeline-executor workers needs PostgreSQL/);
    expect(() =>
      loadServerConfig({ pipelineExecutor: 'fleet' as 'workers', backendStoreUri: 'sqlite:///tmp/x.db' }, {}),
    ).toThrow(/Invalid pipeline executor 'fleet': expected local, workers/);
    const config = loadServerConfig(
      { pipelineExecutor: 'workers', backendStoreUri: 'postgresql://bosun@db/bosun' },
      {},
    );
    expect(config.pipelineExecutor).toBe('workers');
    expect(loadServerConfig({ backendStoreUri: 'sqlite:///tmp/x.db' }, {}).pipelineExecutor).toBeUndefined();
  });
});
