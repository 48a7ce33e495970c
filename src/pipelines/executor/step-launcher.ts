import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { StepSpec } from '../spec/index.js';
import { findPlaceholders, parseDuration, validateValue, type OutputSpec } from '../spec/index.js';
import type { OutputValue } from '../store/pipeline-store-types.js';
import type { TrackingService } from '../../tracking/index.js';
import type { ArtifactIo } from './artifact-io.js';
import { sha256, pathDigest } from './digests.js';
import { FUNCTION_SHIM } from './function-shim.js';
import { startLocalStep } from './process-tree.js';
import type { ProcessEnd, RunningProcess, SpawnOptions } from './step-process.js';
import { pythonOf, type CodeVersion, type PipFreezeCache } from './reproducibility.js';
import { StepEnvironmentError, type StepEnvironment, type StepVenvs } from './step-venv.js';
import { artifactRefs, valueToTextSafe } from './launch-values.js';
import type { StepSecrets } from './step-secrets.js';
import { assertMaskableSecret } from './secret-masker.js';
import type { IssuedStepToken, StepTokenIssuer } from '../step-token/index.js';
import { attemptCostUsd, usageMetrics, type AttemptPrice, type AttemptUsage } from '../cost/attempt-cost.js';
import { usageInterpreter } from '../cost/usage-wrapper.js';

/** How one attempt of a step ended, and what it used (wall time; CPU and peak memory when measured). */
export type AttemptResult = (
  | { kind: 'succeeded'; outputs: Record<string, OutputValue>; exitCode: number }
  | { kind: 'failed'; reason: string; exitCode?: number }
  | { kind: 'preempted'; reason: string }
  | { kind: 'killed'; why: 'cancelled' | 'pipeline-timeout' | 'lease-lost' | 'shutdown' }
) & { usage?: AttemptUsage };

/** What every attempt needs from the executor. */
export interface LaunchDeps {
  tracking: TrackingService;
  artifacts: ArtifactIo;
  trackingUri: string;
  python: string;
  baseEnv: Record<string, string>;
  workRoot: string;
  pipFreeze: PipFreezeCache;
  /** Builds and reuses the virtual environments of steps that declare requirements. */
  venvs: StepVenvs;
  /** Where declared secrets are read; undefined when the server has no secret store. */
  secrets?: StepSecrets;
  /** Issues the step's scoped MLFLOW_TRACKING_TOKEN; undefined when auth is off. */
  stepTokens?: StepTokenIssuer;
  now(): number;
  /**
   * Starts the attempt's process; undefined: a process of this machine (`startLocalStep`: through the step spawner,
   * or a child process of this one). Another backend (a
   * Kubernetes Job) starts it elsewhere and keeps the same contract: output into the two files, masked; a kill.
   */
  spawn?: (options: SpawnOptions) => RunningProcess;
  /** false: no CPU or memory figures for steps (wall time and cost are still recorded). */
  measureUsage?: boolean;
}

/** One attempt of one unit. */
export interface Attempt {
  stepRunId: string;
  step: string;
  spec: StepSpec;
  itemIndex: number;
  attempt: number;
  inputs: Record<string, unknown>;
  codeDir: string;
  experimentId: string;
  parentRunId: string;
  pipelineName: string;
  /** Who started the pipeline run: the step token acts as this user (narrowed to the step). */
  createdBy: string;
  code: CodeVersion;
  cache: { key: string } | undefined;
  /** The step's resource class and hourly price on the capacity it runs on; undefined: no class, no price. */
  price?: AttemptPrice;
  /** Told the MLflow run and process id once known (the driver records them on the step run). */
  onStarted(info: { mlflowRunId: string; pid: number | undefined }): Promise<void>;
}

/** The interpreter a step runs with when it is Python (script and function steps, or a command running python). */
export function stepPython(spec: StepSpec, python: string): string | undefined {
  if (spec.script !== undefined || spec.function !== undefined) return python;
  return spec.command !== undefined ? pythonOf(spec.command) : undefined;
}

function substitute(text: string, inputs: Record<string, string>, outputs: Record<string, string>): string {
  let out = text;
  for (const p of findPlaceholders(text)) {
    if (p.target === undefined) continue;
    const value = p.target.section === 'inputs' ? inputs[p.target.name] : outputs[p.target.name];
    if (value !== undefined) out = out.replace(p.text, () => value);
  }
  return out;
}

const MAX_PARAM = 6000;

/**
 * Runs one attempt of a unit as a child process, as an MLflow run nested under the pipeline's: resolved inputs
 * as params, artifact inputs downloaded and their digests as tags, the code version and (for Python) `pip freeze`
 * recorded, stdout/stderr stored as artifacts, exit code and duration as tags, outputs collected (values from
 * the JSON files the step wrote, artifacts uploaded under `outputs/NAME` of the step's run).
 */
export class StepLauncher {
  #process: RunningProcess | undefined;
  #killedFor: Extract<AttemptResult, { kind: 'killed' }>['why'] | undefined;
  #usage: AttemptUsage | undefined;

  constructor(
    private readonly deps: LaunchDeps,
    private readonly attempt: Attempt,
  ) {}

  kill(why: Extract<AttemptResult, { kind: 'killed' }>['why']): void {
    this.#killedFor ??= why;
    this.#process?.kill(
      why === 'lease-lost' ? 'lease-lost' : why === 'pipeline-timeout' ? 'pipeline-timeout' : 'cancelled',
    );
  }

  /**
   * Runs the attempt; its result carries what it used (see `finishRun`). Its work folder (`<workRoot>/<step run
   * id>/attempt-N`: the logs as written, downloaded inputs, outputs) is removed once it has ended, its logs and
   * outputs stored in the artifact store; the step run's folder too, when no other attempt is in it.
   */
  async run(): Promise<AttemptResult> {
    try {
      const result = await this.runAttempt();
      return this.#usage !== undefined ? { ...result, usage: this.#usage } : result;
    } finally {
      const stepFolder = join(this.deps.workRoot, this.attempt.stepRunId);
      await rm(join(stepFolder, `attempt-${this.attempt.attempt}`), { recursive: true, force: true });
      await rmdir(stepFolder).catch(() => undefined);
    }
  }

  private async runAttempt(): Promise<AttemptResult> {
    const { deps, attempt: a } = this;
    const { spec } = a;
    const started = deps.now();
    const runName = a.itemIndex >= 0 ? `${a.step}[${a.itemIndex}]` : a.step;
    let python = stepPython(spec, deps.python);
    const tags = [
      { key: 'mlflow.parentRunId', value: a.parentRunId },
      { key: 'mlflow.runName', value: runName },
      { key: 'mlflow.source.type', value: 'JOB' },
      { key: 'bosun.pipeline.run_id', value: a.parentRunId },
      { key: 'bosun.pipeline.name', value: a.pipelineName },
      { key: 'bosun.pipeline.step', value: a.step },
      { key: 'bosun.pipeline.step_run_id', value: a.stepRunId },
      { key: 'bosun.pipeline.attempt', value: String(a.attempt) },
      ...(a.itemIndex >= 0 ? [{ key: 'bosun.pipeline.item_index', value: String(a.itemIndex) }] : []),
      ...(a.code.gitCommit !== undefined
        ? [{ key: 'mlflow.source.git.commit', value: a.code.gitCommit }]
        : []),
      { key: 'bosun.code.dirty_digest', value: a.code.dirtyDigest ?? 'clean' },
      ...(a.cache !== undefined
        ? [
            { key: 'bosun.pipeline.cache_key', value: a.cache.key },
            { key: 'bosun.pipeline.cache', value: 'miss' },
          ]
        : []),
    ];
    const work = join(deps.workRoot, a.stepRunId, `attempt-${a.attempt}`);
    const inputsDir = join(work, 'inputs');
    const outputsDir = join(work, 'outputs');
    const stdoutFile = join(work, 'stdout.txt');
    const stderrFile = join(work, 'stderr.txt');
    // The work folder is made while the run is created: neither waits for the other.
    const [run] = await Promise.all([
      deps.tracking.startRun({ experimentId: a.experimentId, runName, startTime: started, tags }),
      (async () => {
        await Promise.all([mkdir(inputsDir, { recursive: true }), mkdir(outputsDir, { recursive: true })]);
        await Promise.all([writeFile(stdoutFile, ''), writeFile(stderrFile, '')]);
      })(),
    ]);
    const runId = run.runId;
    const artifactUri = run.artifactUri;

    const finishRun = async (
      status: 'FINISHED' | 'FAILED' | 'KILLED',
      extraTags: { key: string; value: string }[],
    ) => {
      const ended = deps.now();
      const measured = this.#process?.usage?.();
      const usage: AttemptUsage = { wallMs: Math.max(0, ended - started), ...measured };
      this.#usage = usage;
      const costUsd = a.price !== undefined ? attemptCostUsd(usage.wallMs, a.price) : undefined;
      const logs = await Promise.all([
        readFile(stdoutFile).catch(() => Buffer.alloc(0)),
        readFile(stderrFile).catch(() => Buffer.alloc(0)),
      ]);
      // An empty stream is not stored (reading a missing log gives ''): a quiet step costs no artifact writes.
      if (logs[0].length > 0) await deps.artifacts.uploadText(logs[0], artifactUri, 'logs/stdout.txt');
      if (logs[1].length > 0) await deps.artifacts.uploadText(logs[1], artifactUri, 'logs/stderr.txt');
      await deps.tracking.endRun({
        runId,
        status,
        endTime: ended,
        batch: {
          tags: [
            ...extraTags,
            { key: 'bosun.step.duration_ms', value: String(ended - started) },
            ...(a.price !== undefined
              ? [
                  { key: 'bosun.cost.resource_class', value: a.price.resourceClass },
                  { key: 'bosun.cost.capacity', value: a.price.onSpot ? 'spot' : 'on-demand' },
                ]
              : [{ key: 'bosun.cost.usd', value: 'unknown' }]),
          ],
          metrics: usageMetrics(usage, costUsd, ended),
        },
      });
    };

    // Inputs: values as params; artifacts downloaded, their digests as tags.
    const params: { key: string; value: string }[] = [];
    const inputText: Record<string, string> = {};
    const artifactInputs: Record<string, unknown> = {};
    const valueInputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(a.inputs)) {
      const refs = artifactRefs(value);
      const declared = spec.inputs?.[name];
      const isArtifact =
        declared?.type === 'artifact' || (declared?.type === 'list' && declared.items.type === 'artifact');
      if (isArtifact) {
        const paths: string[] = [];
        for (const [i, ref] of refs.entries()) {
          const local = Array.isArray(value) ? join(inputsDir, name, String(i)) : join(inputsDir, name);
          await deps.artifacts.download(ref, local);
          paths.push(local);
          tags.push({
            key: `bosun.input.${name}${Array.isArray(value) ? `.${i}` : ''}.digest`,
            value: ref.digest,
          });
        }
        const kind =
          declared?.type === 'artifact'
            ? declared.kind
            : declared?.type === 'list' && declared.items.type === 'artifact'
              ? declared.items.kind
              : undefined;
        artifactInputs[name] = Array.isArray(value)
          ? paths.map((p) => ({ path: p, kind }))
          : { path: paths[0] ?? '', kind };
        inputText[name] = Array.isArray(value) ? JSON.stringify(paths) : (paths[0] ?? '');
        params.push({
          key: name,
          value: valueToTextSafe(
            refs.map((r) => `${r.runArtifactUri}/${r.path}`),
            MAX_PARAM,
          ),
        });
      } else {
        valueInputs[name] = value;
        inputText[name] = typeof value === 'string' ? value : JSON.stringify(value);
        params.push({ key: name, value: valueToTextSafe(value, MAX_PARAM) });
      }
    }
    const inputDigestTags = tags.filter((t) => t.key.startsWith('bosun.input.'));
    if (params.length > 0 || inputDigestTags.length > 0) {
      await deps.tracking.logBatch(runId, { params, tags: inputDigestTags });
    }

    const outputPaths: Record<string, string> = {};
    for (const name of Object.keys(spec.outputs ?? {})) outputPaths[name] = join(outputsDir, name);

    // Declared requirements: the step runs in its own virtual environment, built once per requirements.
    let venv: StepEnvironment | undefined;
    if ((spec.requirements?.length ?? 0) > 0 || spec.requirements_file !== undefined) {
      try {
        venv = await deps.venvs.ensure(
          deps.python,
          spec.requirements ?? [],
          spec.requirements_file,
          a.codeDir,
        );
      } catch (err) {
        if (!(err instanceof StepEnvironmentError)) throw err;
        await finishRun('FAILED', [{ key: 'bosun.step.error', value: err.message.slice(0, 5000) }]);
        return { kind: 'failed', reason: err.message.split('\n')[0] ?? err.message };
      }
      await deps.tracking.logBatch(runId, {
        tags: [
          { key: 'bosun.environment.venv', value: `sha256:${venv.digest}` },
          { key: 'bosun.environment.venv_reused', value: String(venv.reused) },
        ],
      });
      if (spec.script !== undefined || spec.function !== undefined) python = venv.python;
      else if (python !== undefined) python = venv.python;
    }

    let argv: string[];
    if (spec.command !== undefined) argv = spec.command.map((arg) => substitute(arg, inputText, outputPaths));
    else if (spec.script !== undefined) {
      argv = [
        python ?? deps.python,
        join(a.codeDir, spec.script.path),
        ...(spec.script.args ?? []).map((arg) => substitute(arg, inputText, outputPaths)),
      ];
    } else if (spec.function !== undefined) {
      const callFile = join(work, 'call.json');
      const outputs = Object.entries(spec.outputs ?? {}) as [string, OutputSpec][];
      await writeFile(
        callFile,
        JSON.stringify({
          code_dir: a.codeDir,
          function: spec.function,
          inputs: valueInputs,
          artifact_inputs: artifactInputs,
          artifact_outputs: Object.fromEntries(
            outputs
              .filter(([, o]) => o.type === 'artifact')
              .map(([n, o]) => [
                n,
                { path: outputPaths[n], kind: o.type === 'artifact' ? o.kind : undefined },
              ]),
          ),
          value_outputs: Object.fromEntries(
            outputs.filter(([, o]) => o.type !== 'artifact').map(([n]) => [n, outputPaths[n]]),
          ),
        }),
      );
      argv = [python ?? deps.python, '-c', FUNCTION_SHIM, callFile];
    } else {
      await finishRun('FAILED', []);
      return { kind: 'failed', reason: 'approval steps are not run by the local executor yet' };
    }

    const env: Record<string, string> = { ...deps.baseEnv };
    if (venv !== undefined) {
      // `python`, `pip` and the installed commands of a command step are the environment's.
      env['PATH'] = `${venv.binDir}${delimiter}${env['PATH'] ?? ''}`;
      env['VIRTUAL_ENV'] = venv.root;
      if (spec.command !== undefined && pythonOf(spec.command) !== undefined) argv[0] = venv.python;
    }
    for (const [key, value] of Object.entries(spec.env ?? {}))
      env[key] = substitute(value, inputText, outputPaths);
    // Secrets: read now (audited), only into this step's environment, and masked in both streams.
    const secretValues: string[] = [];
    const declared = Object.entries(spec.secrets ?? {});
    if (declared.length > 0) {
      const problem = await this.readSecrets(declared, env, secretValues);
      if (problem !== undefined) {
        await finishRun('FAILED', [{ key: 'bosun.step.error', value: problem }]);
        return { kind: 'failed', reason: problem };
      }
    }
    Object.assign(env, {
      MLFLOW_TRACKING_URI: deps.trackingUri,
      MLFLOW_RUN_ID: runId,
      MLFLOW_EXPERIMENT_ID: a.experimentId,
      BOSUN_PIPELINE_RUN_ID: a.parentRunId,
      BOSUN_PIPELINE_STEP: a.step,
      BOSUN_OUTPUTS_DIR: outputsDir,
    });

    // With auth on: a token for this attempt only (masked in its logs like a secret), renewed while the process
    // runs and revoked as soon as it ends; a server that dies leaves it to expire by time.
    let issued: IssuedStepToken | undefined;
    if (deps.stepTokens !== undefined) {
      issued = await deps.stepTokens.issue({
        username: a.createdBy,
        pipelineRunId: a.parentRunId,
        stepRunId: a.stepRunId,
        mlflowRunId: runId,
        experimentId: a.experimentId,
      });
      env['MLFLOW_TRACKING_TOKEN'] = issued.token;
      secretValues.push(issued.token);
    }
    const token = issued;
    const renewal =
      token !== undefined && deps.stepTokens !== undefined
        ? setInterval(() => void token.renew().catch(() => undefined), deps.stepTokens.renewEveryMs)
        : undefined;
    renewal?.unref();

    const timeoutMs = spec.timeout !== undefined ? parseDuration(spec.timeout) : undefined;
    let end: ProcessEnd;
    let frozen: string | undefined;
    const measure = deps.measureUsage !== false;
    const interpreter = await usageInterpreter(deps.python);
    try {
      const options: SpawnOptions = {
        argv,
        cwd: a.codeDir,
        env,
        stdoutFile,
        stderrFile,
        ...(secretValues.length > 0 ? { maskSecrets: secretValues } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      };
      const usageFile = join(work, 'usage.json');
      const proc =
        deps.spawn !== undefined
          ? deps.spawn({
              ...(measure && interpreter !== undefined
                ? { measure: { python: interpreter, file: usageFile } }
                : {}),
              ...options,
            })
          : await startLocalStep(options, { interpreter, measure, usageFile });
      this.#process = proc;
      if (this.#killedFor !== undefined)
        proc.kill(this.#killedFor === 'pipeline-timeout' ? 'pipeline-timeout' : 'cancelled');
      await a.onStarted({ mlflowRunId: runId, pid: proc.pid });

      // Reproducibility, while the step runs: pip freeze of a Python step's interpreter.
      const freeze =
        python !== undefined ? deps.pipFreeze.freeze(python, a.codeDir) : Promise.resolve(undefined);
      end = await proc.ended;
      frozen = await freeze;
    } finally {
      clearInterval(renewal);
      await token?.revoke();
    }
    const reproTags: { key: string; value: string }[] = [];
    if (frozen !== undefined) {
      await deps.artifacts.uploadText(frozen, artifactUri, 'environment/requirements.txt');
      reproTags.push(
        { key: 'bosun.environment.python', value: python ?? '' },
        { key: 'bosun.environment.freeze_digest', value: `sha256:${sha256(frozen)}` },
      );
    }

    switch (end.kind) {
      case 'spawn-failed':
        await finishRun('FAILED', [...reproTags, { key: 'bosun.step.error', value: end.message }]);
        return { kind: 'failed', reason: `could not start ${JSON.stringify(argv[0])}: ${end.message}` };
      case 'signalled':
        await finishRun('KILLED', [...reproTags, { key: 'bosun.step.signal', value: end.signal }]);
        return { kind: 'preempted', reason: `preempted: the process was killed by ${end.signal}` };
      case 'preempted':
        await finishRun('KILLED', [...reproTags, { key: 'bosun.step.preempted', value: end.reason }]);
        return { kind: 'preempted', reason: `preempted: ${end.reason}` };
      case 'killed': {
        await finishRun(end.why === 'timeout' ? 'FAILED' : 'KILLED', [
          ...reproTags,
          { key: 'bosun.step.killed', value: end.why },
        ]);
        if (end.why === 'timeout')
          return {
            kind: 'failed',
            reason: `timed out after ${spec.timeout ?? ''}: its process tree was killed`,
          };
        const why =
          this.#killedFor ??
          (end.why === 'lease-lost'
            ? 'lease-lost'
            : end.why === 'pipeline-timeout'
              ? 'pipeline-timeout'
              : 'cancelled');
        return { kind: 'killed', why };
      }
      case 'exited':
        break;
    }
    const exitTags = [
      ...reproTags,
      { key: 'bosun.step.exit_code', value: String(end.code) },
      ...(end.reason !== undefined ? [{ key: 'bosun.step.exit_reason', value: end.reason }] : []),
    ];
    if (end.code !== 0) {
      await finishRun('FAILED', exitTags);
      const detail = end.reason !== undefined ? ` (${end.reason})` : '';
      return { kind: 'failed', reason: `exited with code ${end.code}${detail}`, exitCode: end.code };
    }
    const collected = await this.collectOutputs(outputPaths, artifactUri, runId);
    if ('problem' in collected) {
      await finishRun('FAILED', [...exitTags, { key: 'bosun.step.error', value: collected.problem }]);
      return { kind: 'failed', reason: collected.problem, exitCode: 0 };
    }
    await finishRun('FINISHED', exitTags);
    return { kind: 'succeeded', outputs: collected.outputs, exitCode: 0 };
  }

  /** Reads declared secrets into `env` and `values`; returns why the step cannot start (never a value). */
  private async readSecrets(
    declared: [string, string][],
    env: Record<string, string>,
    values: string[],
  ): Promise<string | undefined> {
    const { deps, attempt: a } = this;
    if (deps.secrets === undefined) {
      return 'the step declares secrets but this server has no secret store (set a master key to enable it)';
    }
    const reader = {
      pipelineRunId: a.parentRunId,
      pipelineName: a.pipelineName,
      step: a.step,
      stepRunId: a.stepRunId,
      attempt: a.attempt,
    };
    for (const [name, path] of declared) {
      let value: string;
      try {
        value = await deps.secrets.read(path, reader);
        assertMaskableSecret(`'${path}'`, value);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return `secret '${path}' (for ${name}) could not be used: ${message}`;
      }
      env[name] = value;
      values.push(value);
    }
    return undefined;
  }

  private async collectOutputs(
    paths: Record<string, string>,
    artifactUri: string,
    runId: string,
  ): Promise<{ outputs: Record<string, OutputValue> } | { problem: string }> {
    const outputs: Record<string, OutputValue> = {};
    for (const [name, output] of Object.entries(this.attempt.spec.outputs ?? {}) as [string, OutputSpec][]) {
      const path = paths[name] ?? '';
      const exists = await stat(path).catch(() => undefined);
      if (exists === undefined)
        return { problem: `output '${name}' was not written (expected at {{outputs.${name}}})` };
      if (output.type === 'artifact') {
        await this.deps.artifacts.upload(path, artifactUri, `outputs/${name}`);
        const digest = (await pathDigest(path)) ?? '';
        outputs[name] = { kind: 'artifact', runArtifactUri: artifactUri, path: `outputs/${name}`, digest };
        await this.deps.tracking.setTag(runId, `bosun.output.${name}.digest`, digest);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch {
        return {
          problem: `output '${name}' is not JSON (a value output is written as JSON, such as 0.93 or "text")`,
        };
      }
      const problem = validateValue(output, value);
      if (problem !== undefined) return { problem: `output '${name}': ${problem}` };
      outputs[name] = { kind: 'value', value };
    }
    const values = Object.entries(outputs).filter(([, o]) => o.kind === 'value');
    if (values.length > 0) {
      await this.deps.tracking.logBatch(runId, {
        tags: values.map(([name, o]) => ({
          key: `bosun.output.${name}`,
          value: valueToTextSafe(o.kind === 'value' ? o.value : '', MAX_PARAM),
        })),
      });
    }
    return { outputs };
  }
}
