import { describe, expect, it } from 'vitest';
import { validatePipeline } from './validate-pipeline.js';

const withInput = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'retrain',
  steps: { retrain: { command: ['true'], inputs: { drift_report: input }, ...extra } },
});

const messages = (document: unknown): string[] => {
  const result = validatePipeline(document);
  return result.ok ? [] : result.diagnostics.map((d) => d.message);
};

describe('the trigger.drift_report reference', () => {
  it('is an artifact of kind drift_report a step input may read', () => {
    expect(messages(withInput({ type: 'artifact', from: 'trigger.drift_report' }))).toEqual([]);
    expect(
      messages(withInput({ type: 'artifact', kind: 'drift_report', from: 'trigger.drift_report' })),
    ).toEqual([]);
  });

  it('is refused where it does not fit, saying why', () => {
    expect(messages(withInput({ type: 'artifact', from: 'trigger.report' })).join('\n')).toContain(
      'a trigger offers trigger.drift_report',
    );
    expect(messages(withInput({ type: 'string', from: 'trigger.drift_report' })).join('\n')).toMatch(
      /artifact/,
    );
    expect(
      messages(withInput({ type: 'artifact', kind: 'dataset', from: 'trigger.drift_report' })).join('\n'),
    ).toMatch(/drift_report/);
    expect(messages(withInput({ type: 'artifact', from: 'triggers.drift_report' })).join('\n')).toContain(
      'params, steps, item, pipeline or trigger',
    );
  });
});
