import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rewriteVersionSource } from './import-registry.js';
import { ImportReport } from './import-report.js';
import { nameFilter } from './import-source.js';
import { ImportState } from './import-state.js';
import { proxyPathOf } from './import-target.js';

const run = '0123456789abcdef0123456789abcdef';
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-import-state-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('rewriteVersionSource', () => {
  it('keeps runs:/ and models:/ URIs, whose ids the import keeps', () => {
    expect(rewriteVersionSource(`runs:/${run}/model`, run)).toBe(`runs:/${run}/model`);
    expect(rewriteVersionSource('models:/m-abc', run)).toBe('models:/m-abc');
    expect(rewriteVersionSource('models:/churn/3', undefined)).toBe('models:/churn/3');
  });

  it("turns a location in the source's store under the run's artifacts into runs:/", () => {
    expect(rewriteVersionSource(`/srv/mlruns/1/${run}/artifacts/model`, run)).toBe(`runs:/${run}/model`);
    expect(rewriteVersionSource(`mlflow-artifacts:/1/${run}/artifacts/model/`, run)).toBe(
      `runs:/${run}/model`,
    );
    expect(rewriteVersionSource(`s3://bucket/p/1/${run}/artifacts/a/b`, run)).toBe(`runs:/${run}/a/b`);
  });

  it("turns a logged model's artifact folder into models:/<id>, and keeps anything else", () => {
    expect(rewriteVersionSource('/srv/mlruns/1/models/m-0a1b/artifacts', run)).toBe('models:/m-0a1b');
    expect(rewriteVersionSource('s3://bucket/x/model', run)).toBe('s3://bucket/x/model');
    // The whole run folder stays as it is: the target's own rules refuse it, and the report says why.
    expect(rewriteVersionSource(`/srv/mlruns/1/${run}/artifacts/`, run)).toBe(
      `/srv/mlruns/1/${run}/artifacts/`,
    );
  });
});

describe('proxyPathOf and nameFilter', () => {
  it('maps a served artifact root to its proxy path, and nothing else', () => {
    expect(proxyPathOf(`mlflow-artifacts:/3/${run}/artifacts`)).toBe(`3/${run}/artifacts`);
    expect(proxyPathOf('mlflow-artifacts://host/3/models/m-1/artifacts/')).toBe('3/models/m-1/artifacts');
    expect(proxyPathOf('file:///srv/mlruns/3')).toBeUndefined();
    expect(proxyPathOf('s3://bucket/3')).toBeUndefined();
  });

  it('quotes registered model names for the filter', () => {
    expect(nameFilter('churn')).toBe("name = 'churn'");
    expect(nameFilter("bob's")).toBe('name = "bob\'s"');
  });
});

describe('ImportState', () => {
  it('appends finished work and reads it back, ignoring a line cut by a kill', () => {
    const file = join(tempDir(), 'state');
    const state = ImportState.open(file, 'http://src', 'http://dst');
    state.markDone('run', 'a');
    state.markDone('run', 'a');
    state.markDone('logged-model', 'm-1');
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"done":"run","id":"b`);
    const again = ImportState.open(file, 'http://src', 'http://dst');
    expect(again.isDone('run', 'a')).toBe(true);
    expect(again.isDone('run', 'b')).toBe(false);
    expect(again.resumed).toEqual({ experiment: 0, run: 1, 'logged-model': 1, 'registered-model': 0 });
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"id":"a"')),
    ).toHaveLength(1);
  });

  it('refuses a file of another import, or one that is not a state file', () => {
    const file = join(tempDir(), 'state');
    ImportState.open(file, 'http://src', 'http://dst');
    expect(() => ImportState.open(file, 'http://other', 'http://dst')).toThrow(/belongs to an import from/);
    const junk = join(tempDir(), 'junk');
    writeFileSync(junk, 'hello\n');
    expect(() => ImportState.open(junk, 'http://src', 'http://dst')).toThrow(/not a bosun import state file/);
  });
});

describe('ImportReport', () => {
  it('lists non-zero counts, renumbered versions and skips with their reasons', () => {
    const report = new ImportReport();
    report.add('runsImported', 2);
    report.renumbered.push({ name: 'churn', from: 3, to: 2 });
    report.skip('run abc param lr', 'too long');
    const text = report.toText();
    expect(text).toMatch(/runs imported\s+2/);
    expect(text).not.toMatch(/experiments created/);
    expect(text).toContain("Model 'churn' version 3 is version 2 on the target");
    expect(text).toContain('Skipped (1):\n  run abc param lr: too long');
    expect(report.toJson()).toMatchObject({ counts: { runsImported: 2 }, skipped: [{ reason: 'too long' }] });
  });
});
