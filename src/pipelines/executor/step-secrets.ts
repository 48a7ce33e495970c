import type { AuditRecordInput } from '../../security/audit/index.js';
import type { SecretRead } from '../../security/secrets/index.js';
import { NotFoundError } from '../../shared/index.js';
import type { SecretReader, StepSecrets } from './executor-deps.js';

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
