/**
 * The artifact tree the `scanArtifactTree` tests walk, the same whichever store holds it (scan-tree.test.ts over a
 * LocalArtifactStore, scan-tree.s3.test.ts over S3): the real mlflow client's scikit-learn models under
 * `1/run/artifacts/<model>` (clean), and under `1/bad/artifacts/model/` a model with a dangerous pickle, a
 * safetensors file and a torch archive whose pickle runs code.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../../../artifacts/index.js';
import type { ScanVerdict } from '../types.js';
import { fixture, fixtureDir } from './fixtures.js';

/** The real mlflow client's scikit-learn models: skops (its default) and cloudpickle. */
export const mlflowModels = ['mlflow_model', 'mlflow_model_cloudpickle'] as const;

/** Writes the tree into `store` (the fixtures are made first if this test process has not made them yet). */
export async function putScanTree(store: Pick<ArtifactStore, 'put'>): Promise<void> {
  const base = fixtureDir();
  for (const model of mlflowModels) {
    for (const name of await readdir(join(base, model))) {
      await store.put(`1/run/artifacts/${model}/${name}`, await readFile(join(base, model, name)));
    }
  }
  await store.put('1/bad/artifacts/model/MLmodel', Buffer.from('flavors: {}\n'));
  await store.put('1/bad/artifacts/model/data/model.pkl', fixture('raw/subprocess_popen.p4.pkl'));
  await store.put('1/bad/artifacts/model/data/weights.safetensors', fixture('data/model.safetensors'));
  await store.put('1/bad/artifacts/model/extra.pt', fixture('torchzip/runpy_run_code.pt'));
}

/** A verdict's dangerous imports as `file module.name`, sorted (e.g. `data/model.pkl subprocess.Popen`). */
export function dangerousGlobals(verdict: ScanVerdict): string[] {
  return verdict.findings
    .filter((f) => f.kind === 'dangerous-global')
    .map((f) => `${f.file} ${f.module}.${f.name}`)
    .sort();
}
