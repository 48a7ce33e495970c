/**
 * Streams a large file through the artifact stores and reports throughput and memory: S3ArtifactStore against
 * the S3 server named by BOSUN_TEST_S3_ENDPOINT (scripts/s3-test-server.sh starts Ceph radosgw), and
 * LocalArtifactStore on a temporary folder for reference. The body is generated as it is sent (1 MiB chunks),
 * so a peak RSS far below the file's size shows that nothing buffers the whole file.
 *
 *   BOSUN_TEST_S3_ENDPOINT=http://127.0.0.1:57480 node --expose-gc --import tsx bench/s3/store-throughput.ts [MiB]
 *
 * BENCH_PART_MB and BENCH_QUEUE set the multipart upload's part size and parts in flight (defaults: the store's).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalArtifactStore, S3ArtifactStore, type ArtifactStore } from '../../src/artifacts/index.js';
import { createTestBucket, testS3Client } from '../../src/artifacts/test-support/s3-test-server.js';

const megabytes = Number(process.argv[2] ?? 200);
const total = megabytes * 1024 * 1024;
const chunk = randomBytes(1024 * 1024);

function body(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const piece = Buffer.from(chunk);
      piece.writeUInt32LE(sent / chunk.length, 0);
      sent += piece.length;
      this.push(piece);
    },
  });
}

/** Runs `work`, sampling RSS every 20 ms; returns seconds and the peak RSS above the start, in MiB. */
async function measured(work: () => Promise<void>): Promise<{ seconds: number; peakMiB: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, peakMiB: (peak - base) / 1024 / 1024 };
}

async function run(name: string, store: ArtifactStore): Promise<void> {
  const up = await measured(() => store.put('bench/model.bin', body()));
  let bytes = 0;
  const hash = createHash('sha256');
  const down = await measured(async () => {
    const { stream } = await store.get('bench/model.bin');
    for await (const piece of stream as AsyncIterable<Buffer>) {
      bytes += piece.length;
      hash.update(piece);
    }
  });
  if (bytes !== total) throw new Error(`${name}: read ${bytes} bytes of ${total}`);
  const rate = (s: number) => (megabytes / s).toFixed(1);
  console.log(
    `${name.padEnd(28)} upload ${rate(up.seconds).padStart(6)} MB/s (peak RSS +${up.peakMiB.toFixed(0)} MiB)  ` +
      `download ${rate(down.seconds).padStart(6)} MB/s (peak RSS +${down.peakMiB.toFixed(0)} MiB)`,
  );
}

console.log(`${megabytes} MiB file, generated while sent; node ${process.version}`);
const client = testS3Client();
const bucket = await createTestBucket(client, 'bosun-bench');
try {
  await run(
    'S3ArtifactStore (radosgw)',
    new S3ArtifactStore({
      client,
      location: { bucket: bucket.bucket, prefix: 'b' },
      ...(process.env.BENCH_PART_MB ? { partSize: Number(process.env.BENCH_PART_MB) * 1024 * 1024 } : {}),
      ...(process.env.BENCH_QUEUE ? { queueSize: Number(process.env.BENCH_QUEUE) } : {}),
    }),
  );
} finally {
  await bucket.drop();
  client.destroy();
}
const dir = mkdtempSync(join(tmpdir(), 'bosun-bench-local-'));
try {
  await run('LocalArtifactStore', new LocalArtifactStore(dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
