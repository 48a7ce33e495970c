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
      'Train one classifier per learning rate, keep the best, and register it once a person approves.',
    labels: { team: 'ml-platform' },
    defaults: { retry: { limit: 2, backoff: { initial: '10s', factor: 2, max: '5m' } }, timeout: '30m' },
  },
  (p) => {
    const rows = p.param('rows', t.int({ min: 10 }), { default: 150 });
    const learningRates = p.param('learning_rates', t.list(t.float(), { min_items: 1 }), {
      default: [0.1, 0.03, 0.01],
    });
    const minAccuracy = p.param('min_accuracy', t.float({ min: 0, max: 1 }), { default: 0.8 });

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
    const approve = p.approval('approve', {
      message: ({ inputs }) => `Register the model? Its accuracy is ${inputs.accuracy}.`,
      timeout: '3d',
      inputs: { accuracy: best.outputs.accuracy },
      when: accurate,
    });

    p.step('register', {
      description: 'Register the approved model.',
      function: `${module}:register`,
      inputs: { model: best.outputs.model, name: t.string().value('iris-classifier') },
      outputs: { version: t.string() },
      after: [approve],
      when: accurate,
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
