/**
 * The example pipeline written with Bosun's TypeScript DSL: the same document as train-classifier.yaml and
 * train_classifier.py (src/pipelines/dsl/cross-language.test.ts checks all three are equal).
 *
 *     npx tsx examples/pipelines/train-classifier.ts > pipeline.yaml
 */
import { pipeline, pipelineToYaml, t } from '../../src/pipelines/index.js';

const sklearn = ['scikit-learn==1.5.2'];
const module = 'examples.pipelines.train_classifier';

export const trainClassifier = pipeline(
  'train-classifier',
  {
    description:
      'Train one classifier per learning rate, keep the best, register it, and promote it to champion once a person approves.',
    labels: { team: 'ml-platform' },
    defaults: { retry: { limit: 2, backoff: { initial: '10s', factor: 2, max: '5m' } }, timeout: '30m' },
  },
  (p) => {
    const rows = p.param('rows', t.int({ min: 10 }), { default: 150 });
    const learningRates = p.param('learning_rates', t.list(t.float(), { min_items: 1 }), {
      default: [0.1, 0.03, 0.01],
    });
    const minAccuracy = p.param('min_accuracy', t.float({ min: 0, max: 1 }), { default: 0.8 });
    const modelName = p.param('model_name', t.string(), { default: 'iris-classifier' });

    const prepare = p.step('prepare', {
      description: 'Load and split the data set.',
      script: {
        path: 'examples/pipelines/prepare_data.py',
        args: ({ inputs, outputs }) => ['--rows', inputs.rows, '--out', outputs.table],
      },
      inputs: { rows },
      outputs: { table: t.artifact('dataset') },
      requirements: sklearn,
    });

    const train = p.forEach(learningRates, { concurrency: 2 }, (learningRate, each) =>
      each.step('train', {
        description: 'Fit a model with one learning rate.',
        function: `${module}:train`,
        inputs: { data: prepare.outputs.table, learning_rate: learningRate },
        outputs: { model: t.artifact('model'), accuracy: t.float() },
        requirements: sklearn,
        resources: { class: 'cpu-small' },
      }),
    );

    const best = p.step('pick_best', {
      description: 'Keep the most accurate model.',
      function: `${module}:pick_best`,
      inputs: { models: train.collected.model, accuracies: train.collected.accuracy },
      outputs: { model: t.artifact('model'), accuracy: t.float() },
    });

    const accurate = best.outputs.accuracy.gte(minAccuracy);
    const register = p.step('register', {
      description:
        "Register the best model; its accuracy is logged on this step's run for the promotion policy.",
      function: `${module}:register`,
      inputs: { model: best.outputs.model, name: modelName, accuracy: best.outputs.accuracy },
      outputs: { version: t.string() },
      requirements: sklearn,
      when: accurate,
      cache: { enabled: false },
    });

    const approve = p.approval('approve', {
      message: ({ inputs }) =>
        `Promote ${inputs.model_name} version ${inputs.model_version} (accuracy ${inputs.accuracy})?`,
      timeout: '3d',
      model: { name: 'model_name', version: 'model_version', champion_alias: 'champion' },
      inputs: {
        accuracy: best.outputs.accuracy,
        model_name: modelName,
        model_version: register.outputs.version,
      },
      when: accurate,
    });

    p.step('promote', {
      description: "Move the alias `champion` to the approved version: the model's promotion policy decides.",
      function: `${module}:promote`,
      inputs: { name: modelName, version: register.outputs.version },
      after: [approve],
      when: accurate,
      retry: { limit: 0 }, // a refusal by the policy is not retried
      cache: { enabled: false },
    });

    p.onExit((exit, status) => {
      exit.step('notify', {
        description: 'Tell the team how the run ended.',
        script: { path: 'examples/pipelines/notify.py', args: ({ inputs }) => ['--status', inputs.status] },
        inputs: { status },
        secrets: { SLACK_WEBHOOK_URL: 'team/slack-webhook' },
        cache: { enabled: false },
      });
    });

    return { model: best.outputs.model };
  },
);

if (process.argv[1]?.endsWith('train-classifier.ts')) process.stdout.write(pipelineToYaml(trainClassifier));
