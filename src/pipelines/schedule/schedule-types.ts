import type { CatchUpPolicy } from './catch-up.js';

/** A stored schedule, as the API and CLI show it. Times are epoch ms. */
export interface PipelineSchedule {
  scheduleId: string;
  name: string;
  pipelineName: string;
  /** Undefined: the latest version when each run starts. */
  pipelineVersion?: number;
  cron: string;
  timezone: string;
  params: Record<string, unknown>;
  catchUp: CatchUpPolicy;
  /** With `all`: at most this many missed times are started after a downtime. */
  catchUpCap: number;
  /** Runs of this schedule running at once (cron fires; a backfill has its own cap). */
  maxConcurrent: number;
  enabled: boolean;
  nextFireAt?: number;
  lastFireAt?: number;
  /** Fire times skipped by the catch-up policy so far. */
  missed: number;
  createdBy: string;
  createdAt: number;
}

/** What creating a schedule takes (checked by ScheduleService.create). */
export interface ScheduleInput {
  name: string;
  pipelineName: string;
  pipelineVersion?: number;
  cron: string;
  timezone?: string;
  params?: Record<string, unknown>;
  catchUp?: CatchUpPolicy;
  catchUpCap?: number;
  maxConcurrent?: number;
  createdBy: string;
}

/** One scheduled time that starts (or started) a run. */
export interface ScheduleFire {
  fireId: string;
  scheduleId: string;
  fireTime: number;
  source: 'cron' | 'backfill';
  state: 'pending' | 'starting' | 'started' | 'finished' | 'failed';
  runId?: string;
  error?: string;
}

/** How a schedule's runs are started and followed (the pipeline service in a server; fakes in tests). */
export interface ScheduleStarter {
  /** Starts a run; returns its id. */
  start(input: {
    pipelineName: string;
    version?: number;
    params: Record<string, unknown>;
    createdBy: string;
  }): Promise<string>;
  /** Which of these runs have ended (succeeded, failed or cancelled). */
  finished(runIds: readonly string[]): Promise<Set<string>>;
}
