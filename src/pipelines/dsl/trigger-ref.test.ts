import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PipelineDefinitionError } from './definition-error.js';
import { pipeline } from './pipeline-builder.js';
import { t } from './types-builder.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the TypeScript DSL, trigger.drift_report', () => {
  it('writes the retrain-on-drift example of examples/pipelines/ as its YAML form does', () => {
    const yamlForm = parse(
      readFileSync(join(REPO, 'examples/pipelines/retrain-on-drift.yaml'), 'utf8'),
    ) as unknown;
    const spec = pipeline(
      'retrain-on-drift',
      { description: "Retrain when a monitor's alert fires, knowing which columns drifted." },
      (p) => {
        const modelName = p.param('model_name', t.string(), { default: 'churn' });
        p.step('retrain', {
          script: {
            path: 'examples/pipelines/retrain_on_drift.py',
            args: ({ inputs }) => [inputs.drift_report, inputs.model_name],
          },
          inputs: { drift_report: p.triggerDriftReport(), model_name: modelName },
          cache: { enabled: false },
        });
      },
    );
    expect(spec).toEqual(yamlForm);
    expect(spec.steps['retrain']?.inputs?.['drift_report']).toEqual({
      type: 'artifact',
      kind: 'drift_report',
      from: 'trigger.drift_report',
    });
  });

  it('binds to an artifact input of its kind, and refuses another kind naming the input', () => {
    const ok = pipeline('report-reader', (p) => {
      p.step('read', {
        command: ({ inputs }) => ['cat', inputs.report],
        inputs: { report: t.artifact('drift_report').from(p.triggerDriftReport()) },
      });
    });
    expect(ok.steps['read']?.inputs?.['report']).toEqual({
      type: 'artifact',
      kind: 'drift_report',
      from: 'trigger.drift_report',
    });
    const wrongKind = () =>
      pipeline('report-reader', (p) => {
        p.step('read', {
          command: ({ inputs }) => ['cat', inputs.report],
          inputs: { report: t.artifact('model').from(p.triggerDriftReport()) },
        });
      });
    expect(wrongKind).toThrow(PipelineDefinitionError);
    expect(wrongKind).toThrow(/steps\.read\.inputs\.report/);
  });
});
