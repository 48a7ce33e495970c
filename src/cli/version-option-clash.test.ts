import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCli } from './test-support/capture-cli.js';

/**
 * `bosun -V, --version` prints the CLI's version; commands with an option of the same name (`pipeline cost
 * --version V`, `pipeline schedule create --version N`) must get it themselves, not have the program print its
 * version and exit 0 with nothing done.
 */
describe("the program's --version and a command's own --version", () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-version-option-'));
  const db = `sqlite:///${join(dir, 'bosun.db')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bosun --version and -V print the version', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await captureCli([flag]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^\d+\.\d+\.\d+\n$/);
    }
  });

  it('bosun pipeline cost --model M --version V reaches the command', async () => {
    const result = await captureCli(
      ['pipeline', 'cost', '--model', 'nope', '--version', '1', '--json', '--backend-store-uri', db],
      { BOSUN_DATA_DIR: dir },
    );
    expect(result.out).not.toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/nope/);
  });

  it('bosun pipeline schedule create --version N reaches the command', async () => {
    const result = await captureCli(
      [
        'pipeline',
        'schedule',
        'create',
        'nightly',
        '--pipeline',
        'absent',
        '--cron',
        '0 2 * * *',
        '--version',
        '2',
        '--backend-store-uri',
        db,
      ],
      { BOSUN_DATA_DIR: dir },
    );
    expect(result.out).not.toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/absent/);
  });
});
