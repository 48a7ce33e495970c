import { describe, expect, it } from 'vitest';
import { BosunClientError } from './http.js';
import {
  experimentFromWire,
  metricFromWire,
  metricToWire,
  nextPageTokenFromWire,
  parseWireDouble,
  runFromWire,
  runInfoFromWire,
  toWireDouble,
} from './wire.js';

describe('doubles', () => {
  it('reads the special strings MLflow uses for non-finite values', () => {
    expect(parseWireDouble('NaN')).toBeNaN();
    expect(parseWireDouble('Infinity')).toBe(Infinity);
    expect(parseWireDouble('-Infinity')).toBe(-Infinity);
    expect(parseWireDouble(0.25)).toBe(0.25);
    expect(parseWireDouble('1.5')).toBe(1.5);
    expect(parseWireDouble('')).toBeUndefined();
    expect(parseWireDouble('abc')).toBeUndefined();
    expect(parseWireDouble(null)).toBeUndefined();
  });

  it('writes non-finite values as strings, since JSON.stringify would write null', () => {
    expect(toWireDouble(NaN)).toBe('NaN');
    expect(toWireDouble(Infinity)).toBe('Infinity');
    expect(toWireDouble(-Infinity)).toBe('-Infinity');
    expect(toWireDouble(-0.5)).toBe(-0.5);
    expect(
      JSON.parse(JSON.stringify(metricToWire({ key: 'loss', value: NaN, timestamp: 1, step: 2 }))),
    ).toEqual({
      key: 'loss',
      value: 'NaN',
      timestamp: 1,
      step: 2,
    });
  });
});

describe('metrics', () => {
  it('converts snake_case optional fields both ways', () => {
    const metric = metricFromWire({
      key: 'acc',
      value: 'Infinity',
      timestamp: '1700000000000',
      step: 3,
      model_id: 'm-1',
      dataset_name: 'train',
      dataset_digest: 'abc',
      run_id: 'r1',
    });
    expect(metric).toEqual({
      key: 'acc',
      value: Infinity,
      timestamp: 1_700_000_000_000,
      step: 3,
      modelId: 'm-1',
      datasetName: 'train',
      datasetDigest: 'abc',
      runId: 'r1',
    });
    expect(metricToWire(metric)).toEqual({
      key: 'acc',
      value: 'Infinity',
      timestamp: 1_700_000_000_000,
      step: 3,
      model_id: 'm-1',
      dataset_name: 'train',
      dataset_digest: 'abc',
    });
  });

  it('defaults an omitted step to 0 and rejects a missing value', () => {
    expect(metricFromWire({ key: 'a', value: 1, timestamp: 5 }).step).toBe(0);
    expect(() => metricFromWire({ key: 'a', timestamp: 5 })).toThrow(BosunClientError);
    expect(() => metricFromWire({ key: 'a', value: 1, timestamp: 'soon' })).toThrow(/timestamp/);
  });
});

describe('experiments', () => {
  it('maps every field and tolerates omitted tags', () => {
    expect(
      experimentFromWire({
        experiment_id: '7',
        name: 'churn',
        artifact_location: 'mlflow-artifacts:/7',
        lifecycle_stage: 'deleted',
        creation_time: 10,
        last_update_time: '20',
      }),
    ).toEqual({
      experimentId: '7',
      name: 'churn',
      artifactLocation: 'mlflow-artifacts:/7',
      lifecycleStage: 'deleted',
      creationTime: 10,
      lastUpdateTime: 20,
      tags: [],
    });
  });

  it('rejects an unknown lifecycle stage with a typed error', () => {
    try {
      experimentFromWire({ experiment_id: '1', name: 'x', lifecycle_stage: 'archived' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BosunClientError);
      expect((error as BosunClientError).errorCode).toBe('INTERNAL_ERROR');
      expect((error as BosunClientError).message).toMatch(/lifecycle_stage 'archived'/);
    }
  });
});

describe('runs', () => {
  const wireRun = {
    info: {
      run_uuid: 'abc',
      run_id: 'abc',
      run_name: 'baseline',
      experiment_id: '1',
      user_id: 'alice',
      status: 'FINISHED',
      start_time: 1000,
      end_time: 5000,
      artifact_uri: 'mlflow-artifacts:/1/abc/artifacts',
      lifecycle_stage: 'active',
    },
    data: {
      metrics: [{ key: 'loss', value: 'NaN', timestamp: 2000, step: 4 }],
      params: [{ key: 'lr', value: '0.1' }],
      tags: [{ key: 'mlflow.runName', value: 'baseline' }],
    },
    inputs: {
      dataset_inputs: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'train' }],
          dataset: { name: 'd', digest: 'x1', source_type: 'local', source: '{}' },
        },
      ],
      model_inputs: [{ model_id: 'm-9' }],
    },
    outputs: { model_outputs: [{ model_id: 'm-8', step: '2' }] },
  };

  it('converts a full run to domain types', () => {
    const run = runFromWire(wireRun);
    expect(run.info).toEqual({
      runId: 'abc',
      experimentId: '1',
      runName: 'baseline',
      userId: 'alice',
      status: 'FINISHED',
      startTime: 1000,
      endTime: 5000,
      lifecycleStage: 'active',
      artifactUri: 'mlflow-artifacts:/1/abc/artifacts',
    });
    expect(run.data.metrics[0]?.value).toBeNaN();
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(run.inputs.datasetInputs).toEqual([
      {
        dataset: { name: 'd', digest: 'x1', sourceType: 'local', source: '{}' },
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
      },
    ]);
    expect(run.inputs.modelInputs).toEqual([{ modelId: 'm-9' }]);
    expect(run.outputs.modelOutputs).toEqual([{ modelId: 'm-8', step: 2 }]);
  });

  it('applies proto defaults: no end time is null, no status is RUNNING, run_uuid stands in for run_id', () => {
    const info = runInfoFromWire({ run_uuid: 'u1', experiment_id: '0', start_time: 1 });
    expect(info.runId).toBe('u1');
    expect(info.endTime).toBeNull();
    expect(info.status).toBe('RUNNING');
    expect(info.lifecycleStage).toBe('active');
    expect(runFromWire({ info: { run_id: 'r', experiment_id: '0' } }).data).toEqual({
      metrics: [],
      params: [],
      tags: [],
    });
  });

  it('treats an empty next_page_token as the last page', () => {
    expect(nextPageTokenFromWire({ next_page_token: '' })).toBeUndefined();
    expect(nextPageTokenFromWire({})).toBeUndefined();
    expect(nextPageTokenFromWire({ next_page_token: 'tok' })).toBe('tok');
  });

  it('rejects a non-array metrics field', () => {
    expect(() => runFromWire({ ...wireRun, data: { metrics: 'oops' } })).toThrow(
      /run.data.metrics is not an array/,
    );
  });
});
