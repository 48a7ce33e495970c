import { describe, expect, it } from 'vitest';
import type { Run } from '../tracking/types.js';
import { experimentsTable } from './experiments-command.js';
import { runDetails, runsTable } from './runs-command.js';

function makeRun(
  id: string,
  name: string,
  metrics: Record<string, number>,
  params: Record<string, string>,
): Run {
  return {
    info: {
      runId: id,
      experimentId: '1',
      runName: name,
      userId: 'alice',
      status: 'FINISHED',
      startTime: new Date(2025, 5, 1, 10, 0, 0).getTime(),
      endTime: new Date(2025, 5, 1, 10, 0, 12).getTime(),
      lifecycleStage: 'active',
      artifactUri: `mlflow-artifacts:/1/${id}/artifacts`,
    },
    data: {
      metrics: Object.entries(metrics).map(([key, value]) => ({
        key,
        value,
        timestamp: 1_750_000_000_000,
        step: 3,
      })),
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      tags: [{ key: 'mlflow.runName', value: name }],
    },
    inputs: { datasetInputs: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

const runs = [
  makeRun('aaa', 'first', { acc: 0.91234567, loss: NaN }, { lr: '0.1' }),
  makeRun('bbbb', 'second', { acc: 0.8 }, {}),
];

describe('runsTable', () => {
  it('shows one column per metric and param key found, values right-aligned', () => {
    const lines = runsTable(runs).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'RUN ID  NAME    STATUS    START TIME           metrics.acc  metrics.loss  params.lr',
    );
    expect(lines[2]).toBe('aaa     first   FINISHED  2025-06-01 10:00:00     0.912346           NaN  0.1');
    expect(lines[3]).toBe('bbbb    second  FINISHED  2025-06-01 10:00:00          0.8');
  });

  it('shows only the selected keys when given', () => {
    const header = runsTable(runs, { metrics: ['loss'], params: [] }).split('\n')[0];
    expect(header).toBe('RUN ID  NAME    STATUS    START TIME           metrics.loss');
  });

  it('marks deleted runs', () => {
    const deleted = makeRun('c', 'gone', {}, {});
    deleted.info.lifecycleStage = 'deleted';
    expect(runsTable([deleted])).toContain('FINISHED (deleted)');
  });
});

describe('runDetails', () => {
  it('lists info, params, metrics and tags', () => {
    const text = runDetails(runs[0]!);
    expect(text).toContain('Run ID:           aaa\n');
    expect(text).toContain('Duration:         12.0s\n');
    expect(text).toContain('\nParams\nKEY  VALUE\n---  -----\nlr   0.1\n');
    expect(text).toMatch(/\nMetrics \(latest values\)\nKEY\s+VALUE\s+STEP\s+TIMESTAMP\n/);
    expect(text).toMatch(/\nacc\s+0\.912346\s+3\s+\d{4}-\d\d-\d\d/);
    expect(text).toMatch(/\nloss\s+NaN\s+3/);
    expect(text).toContain('\nTags\nKEY             VALUE\n');
  });

  it('says (none) for empty sections', () => {
    expect(runDetails(runs[1]!)).toContain('\nParams\n(none)\n');
  });
});

describe('experimentsTable', () => {
  it('aligns ids right and shows the stage', () => {
    const text = experimentsTable([
      {
        experimentId: '0',
        name: 'Default',
        artifactLocation: 'mlflow-artifacts:/0',
        lifecycleStage: 'active',
        creationTime: 0,
        lastUpdateTime: 0,
        tags: [],
      },
      {
        experimentId: '12',
        name: 'churn',
        artifactLocation: '/data/12',
        lifecycleStage: 'deleted',
        creationTime: 0,
        lastUpdateTime: 0,
        tags: [],
      },
    ]);
    expect(text).toBe(
      [
        'ID  NAME     STAGE    ARTIFACT LOCATION    CREATED',
        '--  -------  -------  -------------------  -------',
        ' 0  Default  active   mlflow-artifacts:/0',
        '12  churn    deleted  /data/12',
        '',
      ].join('\n'),
    );
  });
});
