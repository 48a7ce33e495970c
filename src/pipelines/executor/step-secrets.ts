import type { AuditRecordInput } from '../../security/audit/index.js';
import type { SecretRead } from '../../security/secrets/index.js';
import { NotFoundError } from '../../shared/index.js';

/** Who reads a step's secret: named in the audit record of the read. */
export interface SecretReader {
  pipelineRunId: string;
  pipelineName: string;
  step: string;
  stepRunId: string;
  attempt: number;
}

/**
 * Reads the secrets a step declares, when the step starts: the current value at a secret store path. Every read is
 * audited naming the pipeline run and step (see `auditedStepSecrets`); values never appear in errors.
 */
export interface StepSecrets {
  read(path: string, reader: SecretReader): Promise<string>;
}

/** Where a step's secret read is recorded (the platform's audit log over its database). */
export type AppendAudit = (input: AuditRecordInput) => Promise<unknown>;

/**
 * Step secrets over the secret store: each read is appended to the audit log (action `pipeline.secret.read`,
 * resource the secret path, actor `pipeline-run:<id>`, details naming the pipeline, step, step run and attempt)
 * before the value is handed out; a read the audit log cannot record is refused. Values never enter the record.
 *
 * Example: `auditedStepSecrets(platform.secrets.store, (r) => platform.auditLog.append(platform.database.db, r))`.
 */
export function auditedStepSecrets(
  store: { get(path: string): Promise<SecretRead> },
  appendAudit: AppendAudit,
): StepSecrets {
  return {
    async read(path: string, reader: SecretReader): Promise<string> {
      const record = (outcome: 'success' | 'error', error?: string): AuditRecordInput => ({
        actor: `pipeline-run:${reader.pipelineRunId}`,
        action: 'pipeline.secret.read',
        resource: { type: 'secret', id: path },
        outcome,
        details: {
          pipeline: reader.pipelineName,
          pipelineRunId: reader.pipelineRunId,
          step: reader.step,
          stepRunId: reader.stepRunId,
          attempt: reader.attempt,
          ...(error !== undefined ? { error } : {}),
        },
      });
      let read: SecretRead;
      try {
        read = await store.get(path);
        if (read.value === null) throw new NotFoundError(`secret '${path}' has no readable current version`);
      } catch (error) {
        await appendAudit(record('error', error instanceof Error ? error.message : String(error)));
        throw error;
      }
      await appendAudit(record('success'));
      return read.value;
    },
  };
}
