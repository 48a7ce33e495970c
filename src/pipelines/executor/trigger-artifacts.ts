import type { TrackingService } from '../../tracking/index.js';
import type { OutputValue } from '../store/pipeline-store-types.js';
import { triggerArtifacts } from '../spec/index.js';
import { TRIGGER_ARTIFACT_DIR, triggerArtifactDigestTag } from '../triggers/trigger-context.js';

type ArtifactRef = Extract<OutputValue, { kind: 'artifact' }>;

/**
 * The artifacts a trigger attached to a pipeline run (`trigger/<name>/` of its MLflow run, each with its digest
 * tag), by name, as a step's input `from: trigger.<name>` reads them; read once when a driver takes the run.
 * Example: `{ drift_report: { kind: 'artifact', runArtifactUri: 'file:///…/artifacts', path: 'trigger/drift_report', digest: 'sha256:…' } }`.
 */
export async function triggerArtifactsOf(
  tracking: Pick<TrackingService, 'getRun'>,
  runId: string,
): Promise<Record<string, ArtifactRef>> {
  const run = await tracking.getRun(runId);
  const tags = new Map(run.data.tags.map((t) => [t.key, t.value] as const));
  const found: Record<string, ArtifactRef> = {};
  for (const name of triggerArtifacts) {
    const digest = tags.get(triggerArtifactDigestTag(name));
    if (digest === undefined) continue;
    found[name] = {
      kind: 'artifact',
      runArtifactUri: run.info.artifactUri,
      path: `${TRIGGER_ARTIFACT_DIR}/${name}`,
      digest,
    };
  }
  return found;
}
