import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The boundaries rules ESLint reports for `code` as if it were the file at `filePath` (relative to the repo). The
 * file does not exist, so the type-aware parsing (which needs it in the TS project) is off and only the fences run.
 */
async function fenceErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId.startsWith('boundaries/'),
  });
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${filePath}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId?.startsWith('boundaries/'))
    .map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the fences between the folders of src/ (eslint.config.js)', () => {
  it('refuse an import from a layer above', async () => {
    const errors = await fenceErrors(
      'src/shared/fence-probe.ts',
      "import { registryLimits } from '../registry/index.js';\nexport const probe = registryLimits;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^boundaries\/element-types: .*'shared'.*'registry'/)]);
  });

  it("refuse an import that bypasses a folder's index.ts", async () => {
    const errors = await fenceErrors(
      'src/registry/fence-probe.ts',
      "import { limits } from '../tracking/limits.js';\nexport const probe = limits;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^boundaries\/entry-point: .*'limits\.ts'/)]);
  });

  it('refuse the client any value from a folder but shared', async () => {
    const errors = await fenceErrors(
      'src/client/fence-probe.ts',
      "import { limits } from '../tracking/index.js';\nexport const probe = limits;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^boundaries\/element-types: .*'client'.*'tracking'/)]);
  });

  it('let the client import the domain types it hands out, as types only', async () => {
    const errors = await fenceErrors(
      'src/client/fence-probe.ts',
      "import type { Run } from '../tracking/index.js';\nexport type Probe = Run;\n",
    );
    expect(errors).toEqual([]);
  });

  it('let a folder import a lower layer through its index.ts', async () => {
    const errors = await fenceErrors(
      'src/registry/fence-probe.ts',
      "import { limits } from '../tracking/index.js';\nimport { NotFoundError } from '../shared/index.js';\n" +
        'export const probe = [limits, NotFoundError];\n',
    );
    expect(errors).toEqual([]);
  });
});
