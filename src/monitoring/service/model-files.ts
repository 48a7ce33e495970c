import type { ArtifactRoots, ArtifactStore } from '../../artifacts/index.js';
import { normaliseArtifactPath } from '../../artifacts/index.js';
import type { RegistryService } from '../../registry/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/index.js';

/** What monitoring reads from the artifact store: run artifacts (references) and MLmodel files (signatures). */
export interface MonitoringFileAccess {
  /** The server's own artifact store (where `mlflow-artifacts:` versions are). */
  readonly artifacts: ArtifactStore;
  /** Opens a run's artifact root as the tracking routes do. */
  readonly roots: Pick<ArtifactRoots, 'open'>;
  readonly tracking: Pick<TrackingService, 'getRun' | 'getExperiment'>;
}

/** Bytes of a reference file read from a run at most (the file is held in memory, then parsed). */
export const MAX_REFERENCE_FILE_BYTES = 200 * 1024 * 1024;
/** Bytes of an MLmodel file at most. */
const MAX_MLMODEL_BYTES = 1024 * 1024;

async function readAll(
  stream: NodeJS.ReadableStream,
  size: number,
  max: number,
  what: string,
): Promise<Buffer> {
  if (size > max) {
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw new InvalidParameterError(`${what} has ${size} bytes, more than the ${max} read at most`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const join = (a: string, b: string): string => (a === '' ? b : `${a}/${b}`);

/** A run's artifact root opened, or a 400 naming the run when the run does not exist. */
async function openRun(files: MonitoringFileAccess, runId: string) {
  let run;
  try {
    run = await files.tracking.getRun(runId);
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new InvalidParameterError(`source.run_id: run '${runId}' not found`);
    throw err;
  }
  const experiment = await files.tracking.getExperiment(run.info.experimentId);
  return { run, root: files.roots.open(run.info.artifactUri, experiment.artifactLocation) };
}

/**
 * Reads one file of a run's artifacts (`artifact_path` relative to the run's artifact root). A missing run or file
 * and a folder are 400s naming them; so is a path that leaves the root.
 */
export async function readRunArtifact(
  files: MonitoringFileAccess,
  runId: string,
  artifactPath: string,
): Promise<Buffer> {
  const path = normaliseArtifactPath(artifactPath);
  if (path === '') throw new InvalidParameterError('source.artifact_path: name a file of the run');
  const { root } = await openRun(files, runId);
  return readStoreFile(root.store, join(root.path, path), `artifact '${path}' of run '${runId}'`);
}

async function readStoreFile(store: ArtifactStore, storePath: string, what: string): Promise<Buffer> {
  let read;
  try {
    read = await store.get(storePath);
  } catch (err) {
    if (err instanceof BosunError) {
      const children = await store.list(storePath).catch(() => []);
      throw new InvalidParameterError(
        children.length > 0 ? `${what} is a folder, not a file` : `${what} does not exist`,
      );
    }
    throw err;
  }
  return readAll(read.stream, read.size, MAX_REFERENCE_FILE_BYTES, what);
}

/** A logged dataset input of a run, resolved to the run artifact its source names. */
export interface DatasetArtifact {
  readonly runId: string;
  readonly artifactPath: string;
  readonly digest: string;
  readonly bytes: Buffer;
}

/** The `uri` (or `path`) in a dataset source's JSON, as mlflow's file-system and HTTP sources write it. */
function sourceUri(source: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(source);
    if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      const uri = o.uri ?? o.path ?? o.url;
      if (typeof uri === 'string') return uri;
    }
  } catch {
    return /^[a-z][a-z0-9+.-]*:/i.test(source) ? source : undefined;
  }
  return undefined;
}

/**
 * Reads the file behind a run's logged dataset input named `datasetName`: its source must be an artifact of a run
 * (`runs:/<run id>/<path>`, or a URI, proxy URL or local path inside the run's own artifact root). Anything else
 * (a table, an outside URL, code) is a 400 saying so.
 */
export async function readDatasetArtifact(
  files: MonitoringFileAccess,
  runId: string,
  datasetName: string,
): Promise<DatasetArtifact> {
  const { run, root } = await openRun(files, runId);
  const inputs = run.inputs.datasetInputs.filter((d) => d.dataset.name === datasetName);
  if (inputs.length === 0) {
    const names = run.inputs.datasetInputs.map((d) => `'${d.dataset.name}'`);
    throw new InvalidParameterError(
      `source.dataset_name: run '${runId}' logged no dataset '${datasetName}'` +
        (names.length > 0 ? ` (it logged ${names.join(', ')})` : ' (it logged none)'),
    );
  }
  const dataset = inputs[inputs.length - 1]!.dataset;
  const uri = sourceUri(dataset.source);
  const refuse = (): never => {
    throw new InvalidParameterError(
      `source.dataset_name: the source of dataset '${datasetName}' (${dataset.sourceType} ` +
        `${JSON.stringify(dataset.source).slice(0, 200)}) is not a run artifact; ` +
        'give {"run_id", "artifact_path"} or upload the rows',
    );
  };
  if (uri === undefined) return refuse();
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
  let target: { runId: string; artifactPath: string };
  if (runs) {
    target = { runId: runs[1]!, artifactPath: runs[2]! };
  } else {
    // Any spelling of a file in the run's own artifact root: its artifact URI, the server's proxy URL
    // (`http(s)://host/api/2.0/mlflow-artifacts/artifacts/...`, what mlflow's HTTP dataset source records) or
    // a local path in the server's artifact folder.
    let opened;
    try {
      opened = files.roots.open(uri);
    } catch {
      return refuse();
    }
    const sameStore =
      (opened.inServerStore && root.inServerStore) ||
      (opened.localFolder !== undefined && opened.localFolder === root.localFolder);
    const prefix = root.path === '' ? '' : `${root.path}/`;
    if (!sameStore || !opened.path.startsWith(prefix) || opened.path.length <= prefix.length) return refuse();
    target = { runId, artifactPath: opened.path.slice(prefix.length) };
  }
  const bytes = await readRunArtifact(files, target.runId, target.artifactPath);
  return { ...target, digest: dataset.digest, bytes };
}

/**
 * The text of a model version's MLmodel file, or undefined when the version's files are not in this server's
 * artifact store or have no MLmodel (nothing to check against then).
 */
export async function readVersionMlmodel(
  files: MonitoringFileAccess,
  registry: Pick<RegistryService, 'getModelVersionArtifactPath'>,
  modelName: string,
  version: string,
): Promise<string | undefined> {
  let storePath: string;
  try {
    storePath = await registry.getModelVersionArtifactPath(modelName, version, 'MLmodel');
  } catch (err) {
    if (err instanceof BosunError) return undefined;
    throw err;
  }
  let read;
  try {
    read = await files.artifacts.get(storePath);
  } catch (err) {
    if (err instanceof BosunError) return undefined;
    throw err;
  }
  return (await readAll(read.stream, read.size, MAX_MLMODEL_BYTES, 'MLmodel')).toString('utf8');
}
