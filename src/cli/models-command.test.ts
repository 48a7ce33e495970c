import { describe, expect, it } from 'vitest';
import type { PromotionPolicy, ScanRecord } from '../registry/governance/types.js';
import type { ModelVersion, RegisteredModel } from '../registry/types.js';
import { InvalidParameterError } from '../shared/errors.js';
import { parseMetricCondition, parseTarget, policyFromOptions, versionFilter } from './models-options.js';
import {
  describePolicy,
  modelDetails,
  modelsTable,
  refusal,
  scanReport,
  versionsTable,
} from './models-output.js';
import { runCli } from './program.js';

const t = new Date(2025, 5, 1, 10, 0, 0).getTime();

function version(v: string, extra: Partial<ModelVersion> = {}): ModelVersion {
  return {
    name: 'churn',
    version: v,
    creationTimestamp: t,
    lastUpdatedTimestamp: t,
    currentStage: 'None',
    source: `runs:/r${v}/model`,
    storageLocation: '',
    status: 'READY',
    tags: [],
    aliases: [],
    ...extra,
  };
}

const policy: PromotionPolicy = {
  modelName: 'churn',
  target: 'alias:champion',
  requireCleanScan: true,
  metricConditions: [{ metric: 'accuracy', op: '>=', value: 0.9 }],
  beatCurrent: { metric: 'loss', greaterIsBetter: false },
  requiredApprovals: 2,
  approvers: ['ana', 'bo'],
  createdAt: t,
  updatedAt: t,
};

describe('models argument parsing', () => {
  it('reads targets from --alias, --stage or --target, exactly one of them', () => {
    expect(parseTarget({ alias: 'champion' })).toBe('alias:champion');
    expect(parseTarget({ stage: 'Production' })).toBe('stage:Production');
    expect(parseTarget({ target: 'Stage:staging' })).toBe('stage:staging');
    expect(() => parseTarget({})).toThrow(InvalidParameterError);
    expect(() => parseTarget({ alias: 'a', stage: 'Staging' })).toThrow(/exactly one/);
    expect(() => parseTarget({ target: 'champion' })).toThrow(/alias:<alias> or stage:<stage>/);
    expect(() => parseTarget({ alias: ' ' })).toThrow(/may not be empty/);
  });

  it('parses metric conditions with or without spaces and the metrics. prefix', () => {
    expect(parseMetricCondition('accuracy>=0.9')).toEqual({ metric: 'accuracy', op: '>=', value: 0.9 });
    expect(parseMetricCondition('metrics.loss < 0.2')).toEqual({ metric: 'loss', op: '<', value: 0.2 });
    expect(parseMetricCondition('f1 = 1')).toEqual({ metric: 'f1', op: '==', value: 1 });
    expect(parseMetricCondition('auc!=-1e-3')).toEqual({ metric: 'auc', op: '!=', value: -0.001 });
    for (const bad of ['accuracy', 'accuracy >= high', '>= 0.9', 'a => 1', 'acc >= NaN']) {
      expect(() => parseMetricCondition(bad)).toThrow(InvalidParameterError);
    }
  });

  it('builds a policy from set flags, defaulting approvals to 1 when approvers are named', () => {
    expect(
      policyFromOptions({
        target: 'alias:champion',
        requireCleanScan: true,
        metric: ['accuracy>=0.9', 'latency_ms<50'],
        beatCurrent: 'accuracy',
        approvals: '2',
        approver: ['ana', 'bo'],
      }),
    ).toEqual({
      target: 'alias:champion',
      requireCleanScan: true,
      metricConditions: [
        { metric: 'accuracy', op: '>=', value: 0.9 },
        { metric: 'latency_ms', op: '<', value: 50 },
      ],
      beatCurrent: { metric: 'accuracy', greaterIsBetter: true },
      requiredApprovals: 2,
      approvers: ['ana', 'bo'],
    });
    expect(policyFromOptions({ target: 'stage:Production', metric: [], approver: ['ana'] })).toMatchObject({
      requireCleanScan: false,
      beatCurrent: null,
      requiredApprovals: 1,
    });
    expect(() => policyFromOptions({ target: 'alias:x', metric: [], approver: [], approvals: '-1' })).toThrow(
      /--approvals/,
    );
    expect(() =>
      policyFromOptions({ target: 'alias:x', metric: [], approver: [], lowerIsBetter: true }),
    ).toThrow(/--beat-current/);
  });

  it('scopes version filters to the model, quoting names with quotes', () => {
    expect(versionFilter('churn', undefined)).toBe("name = 'churn'");
    expect(versionFilter('churn', 'version_number >= 2')).toBe("name = 'churn' AND version_number >= 2");
    expect(versionFilter("bob's", undefined)).toBe(`name = "bob's"`);
  });

  it('refuses bad flags before any request, as a one-line typed error with exit 1', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env: {} };
    expect(await runCli(['models', 'promote', 'churn', '3', '--alias', 'a', '--stage', 'Staging'], io)).toBe(
      1,
    );
    expect(err.join('')).toBe(
      'error: INVALID_PARAMETER_VALUE: Give exactly one target: --alias <alias>, --stage <stage> or --target <kind:name>\n',
    );
    err.length = 0;
    expect(
      await runCli(['models', 'policy', 'set', 'churn', '--target', 'alias:x', '--metric', 'acc'], io),
    ).toBe(1);
    expect(err.join('')).toMatch(/^error: INVALID_PARAMETER_VALUE: Invalid --metric 'acc'/);
    expect(await runCli(['models', 'approve', 'churn', '1'], io)).toBe(1); // --target is required
    expect(out).toEqual([]);
  });
});

describe('models rendering', () => {
  it('lists models with their highest version and aliases', () => {
    const model: RegisteredModel = {
      name: 'churn',
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      description: 'churn classifier',
      latestVersions: [version('3', { currentStage: 'Production' }), version('5')],
      tags: [],
      aliases: [
        { alias: 'challenger', version: '5' },
        { alias: 'champion', version: '3' },
      ],
    };
    expect(modelsTable([model]).split('\n')).toEqual([
      'NAME   LATEST  ALIASES                     UPDATED              DESCRIPTION',
      '-----  ------  --------------------------  -------------------  ----------------',
      'churn       5  challenger=v5, champion=v3  2025-06-01 10:00:00  churn classifier',
      '',
    ]);
  });

  it('shows versions with stage, aliases, scan verdict and run', () => {
    const lines = versionsTable([
      version('2', {
        currentStage: 'Staging',
        aliases: ['champion'],
        runId: 'abc',
        tags: [{ key: 'bosun.scan.status', value: 'clean' }],
      }),
      version('1'),
    ]).split('\n');
    expect(lines[0]).toBe('VERSION  STAGE    ALIASES   SCAN   RUN ID  CREATED');
    expect(lines[2]).toBe('      2  Staging  champion  clean  abc     2025-06-01 10:00:00');
    expect(lines[3]).toBe('      1  None                              2025-06-01 10:00:00');
  });

  it('describes every policy condition in one line', () => {
    expect(describePolicy(policy)).toBe(
      'clean scan; metrics.accuracy >= 0.9; beat current on loss (lower is better); 2 approvals from ana, bo',
    );
    expect(
      describePolicy({
        ...policy,
        requireCleanScan: false,
        metricConditions: [],
        beatCurrent: null,
        requiredApprovals: 0,
      }),
    ).toBe('(no conditions)');
  });

  it('shows a model with its sections, and says when the server has no governance API', () => {
    const model: RegisteredModel = {
      name: 'churn',
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      latestVersions: [version('1')],
      tags: [{ key: 'team', value: 'growth' }],
      aliases: [{ alias: 'champion', version: '1' }],
    };
    const text = modelDetails(model, [policy]);
    expect(text).toContain('Name:         churn\n');
    expect(text).toContain('\nTags\nKEY   VALUE\n----  ------\nteam  growth\n');
    expect(text).toContain('\nAliases\nALIAS     VERSION\n--------  -------\nchampion        1\n');
    expect(text).toMatch(/\nPolicies\nTARGET\s+CONDITIONS\s+UPDATED\n.*\nalias:champion {2}clean scan; /);
    expect(modelDetails(model, null)).toContain(
      '\nPolicies\n(governance API not available on this server)\n',
    );
  });

  it('reports a scan verdict with a findings table', () => {
    const scan: ScanRecord = {
      status: 'unsafe',
      files: 2,
      scannedAt: t,
      findings: [
        {
          file: 'model.pkl',
          kind: 'dangerous-global',
          module: 'os',
          name: 'system',
          severity: 'CRITICAL',
          detail: 'runs a shell command',
        },
      ],
    };
    expect(scanReport('churn', '3', scan)).toBe(
      'Scan of churn version 3: UNSAFE (2 files, scanned 2025-06-01 10:00:00)\n\n' +
        'SEVERITY  KIND              GLOBAL     FILE       DETAIL\n' +
        '--------  ----------------  ---------  ---------  --------------------\n' +
        'CRITICAL  dangerous-global  os.system  model.pkl  runs a shell command\n',
    );
    expect(
      scanReport('churn', '1', {
        status: 'failed',
        files: 1,
        scannedAt: t,
        findings: [],
        error: 'truncated',
      }),
    ).toBe(
      'Scan of churn version 1: FAILED (1 file, scanned 2025-06-01 10:00:00)\nError: truncated\nNo findings.\n',
    );
  });

  it('lists each unmet condition of a refusal', () => {
    expect(
      refusal('churn', '3', 'alias:champion', {
        allowed: false,
        unmet: ['scan is unsafe', 'needs 2 approvals'],
      }),
    ).toBe(
      'Promotion of churn version 3 to alias:champion refused:\n  - scan is unsafe\n  - needs 2 approvals\n',
    );
  });
});
