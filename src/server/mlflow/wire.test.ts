import { describe, expect, it } from 'vitest';
import { BosunError } from '../../shared/errors.js';
import { parseJsonBody } from './json-body.js';
import {
  doubleToWire,
  parseBool,
  parseDouble,
  parseLoggedModelStatus,
  parseRunStatus,
  parseViewType,
  resolveRunId,
  runToWire,
} from './wire.js';

describe('doubles', () => {
  it('parses numbers, numeric strings and the special values', () => {
    expect(parseDouble(1.5, 'v')).toBe(1.5);
    expect(parseDouble('2.5e3', 'v')).toBe(2500);
    expect(parseDouble('NaN', 'v')).toBeNaN();
    expect(parseDouble('Infinity', 'v')).toBe(Infinity);
    expect(parseDouble('-Infinity', 'v')).toBe(-Infinity);
  });

  it('rejects booleans, empty and non-numeric strings with INVALID_PARAMETER_VALUE', () => {
    for (const bad of [true, '', 'abc', {}, [1]]) {
      expect(() => parseDouble(bad, 'value')).toThrow(BosunError);
    }
    expect(() => parseDouble(undefined, 'value')).toThrow(/Missing value for required parameter 'value'/);
  });

  it('emits non-finite values as MLflow strings', () => {
    expect([NaN, Infinity, -Infinity, 0, -3.25].map(doubleToWire)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
      0,
      -3.25,
    ]);
  });
});

describe('enums and booleans', () => {
  it('accept names (any case) and proto numbers', () => {
    expect(parseRunStatus('FINISHED')).toBe('FINISHED');
    expect(parseRunStatus('failed')).toBe('FAILED');
    expect(parseRunStatus('1')).toBe('RUNNING');
    expect(parseRunStatus('5')).toBe('KILLED');
    expect(parseViewType('2', 'view_type')).toBe('DELETED_ONLY');
    expect(parseViewType(undefined, 'view_type')).toBeUndefined();
    expect(parseLoggedModelStatus('2')).toBe('LOGGED_MODEL_READY');
    expect(() => parseRunStatus('6')).toThrow(/Invalid value "6" for parameter 'status'/);
    expect(() => parseViewType('SOME', 'view_type')).toThrow(BosunError);
  });

  it("read Python's True/False", () => {
    expect(parseBool('True', 'b')).toBe(true);
    expect(parseBool('False', 'b')).toBe(false);
    expect(parseBool(true, 'b')).toBe(true);
    expect(() => parseBool('maybe', 'b')).toThrow(BosunError);
  });
});

describe('run ids', () => {
  it('prefer run_id and fall back to run_uuid', () => {
    expect(resolveRunId({ run_id: 'a', run_uuid: 'b' })).toBe('a');
    expect(resolveRunId({ run_id: '', run_uuid: 'b' })).toBe('b');
    expect(() => resolveRunId({})).toThrow(/Missing value for required parameter 'run_id'/);
  });
});

describe('JSON bodies', () => {
  it('rename lowerCamelCase keys at every depth, snake_case winning over its twin', () => {
    expect(
      parseJsonBody('{"runId":"r","run_uuid":"u","runUuid":"x","metrics":[{"key":"k","datasetName":"d"}]}'),
    ).toEqual({ run_id: 'r', run_uuid: 'u', metrics: [{ key: 'k', dataset_name: 'd' }] });
  });

  it('leave values alone and read empty bodies as {}', () => {
    expect(parseJsonBody('{"key":"someKey","value":"camelValue"}')).toEqual({
      key: 'someKey',
      value: 'camelValue',
    });
    expect(parseJsonBody('')).toEqual({});
    expect(parseJsonBody('  ')).toEqual({});
  });

  it('reject malformed JSON and non-objects as BAD_REQUEST', () => {
    expect(() => parseJsonBody('{')).toThrow(/Malformed JSON/);
    expect(() => parseJsonBody('"x"')).toThrow(/must be a JSON object/);
    expect(() => parseJsonBody('null')).toThrow(/must be a JSON object/);
    expect(() => parseJsonBody('[1]')).toThrow(/must be a JSON object/);
  });

  it('reject bodies nested deeper than any MLflow request', () => {
    expect(() => parseJsonBody(`{"a":${'['.repeat(10000)}${']'.repeat(10000)}}`)).toThrow(/nested more than/);
    expect(parseJsonBody('{"metrics":[{"key":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}')).toEqual({
      metrics: [{ key: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' }],
    });
  });
});

describe('runs on the wire', () => {
  it('always carry run_id and run_uuid and omit unset fields and empty lists', () => {
    const wire = runToWire({
      info: {
        runId: 'abc',
        experimentId: '0',
        runName: 'n',
        userId: 'u',
        status: 'RUNNING',
        startTime: 1,
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: 'mlflow-artifacts:/0/abc/artifacts',
      },
      data: { metrics: [{ key: 'm', value: NaN, timestamp: 1, step: 0 }], params: [], tags: [] },
      inputs: { datasetInputs: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    });
    expect(JSON.parse(JSON.stringify(wire))).toEqual({
      info: {
        run_id: 'abc',
        run_uuid: 'abc',
        run_name: 'n',
        experiment_id: '0',
        user_id: 'u',
        status: 'RUNNING',
        start_time: 1,
        artifact_uri: 'mlflow-artifacts:/0/abc/artifacts',
        lifecycle_stage: 'active',
      },
      data: { metrics: [{ key: 'm', value: 'NaN', timestamp: 1, step: 0 }] },
      inputs: {},
      outputs: {},
    });
  });
});
