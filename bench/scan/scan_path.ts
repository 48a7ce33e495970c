/**
 * Scans files or folders given on the command line and prints each verdict with its findings (a debugging aid
 * for the allow list). usage: npx tsx bench/scan/scan_path.ts PATH...
 */
import { createReadStream, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { scanFiles, type ScanInputFile } from '../../src/registry/scanning/index.js';

async function* filesUnder(root: string, dir = root): AsyncGenerator<ScanInputFile> {
  const s = await stat(dir);
  if (!s.isDirectory()) {
    yield { path: dir.split('/').pop() ?? dir, size: s.size, read: async () => createReadStream(dir) };
    return;
  }
  for (const name of (await readdir(dir)).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* filesUnder(root, full);
    else
      yield {
        path: relative(root, full),
        size: statSync(full).size,
        read: async () => createReadStream(full),
      };
  }
}

for (const path of process.argv.slice(2)) {
  const v = await scanFiles(filesUnder(path));
  console.log(`${v.status.padEnd(10)} ${path}`);
  for (const f of v.findings) console.log(`    ${f.kind} ${f.severity} ${f.file}: ${f.detail}`);
}
