import type { PipelineService } from '../service/pipeline-service.js';
import type { TriggerStarter } from '../triggers/trigger-types.js';
import type { ScheduleStarter } from './schedule-types.js';

/**
 * Schedules start runs through the pipeline service of the server whose loop claimed them (the run is driven in
 * that process, its steps are its child processes); a run has ended once its status is no longer `running`.
 */
export function pipelineStarter(
  pipelines: PipelineService,
  onDriveError: (err: unknown, runId: string) => void,
): ScheduleStarter & TriggerStarter {
  return {
    async start(input: Parameters<TriggerStarter['start']>[0]) {
      const { run, done } = await pipelines.start({
        name: input.pipelineName,
        ...(input.version !== undefined ? { version: input.version } : {}),
        params: input.params,
        createdBy: input.createdBy,
        ...(input.attach !== undefined ? { attach: input.attach } : {}),
      });
      done.catch((err: unknown) => onDriveError(err, run.runId));
      return run.runId;
    },
    async finished(runIds) {
      const ended = new Set<string>();
      for (const runId of runIds) {
        const run = await pipelines.store.getRun(runId).catch(() => undefined);
        // A run that no longer exists holds no slot either.
        if (run === undefined || run.status !== 'running') ended.add(runId);
      }
      return ended;
    },
  };
}
