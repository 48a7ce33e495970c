export { CATCH_UP_POLICIES, chooseFires, DEFAULT_GRACE_MS, type CatchUpPolicy } from './catch-up.js';
export { CronTimes } from './cron-times.js';
export {
  MAX_BACKFILL_RUNS,
  paramsForFire,
  ScheduleService,
  type ScheduleServiceOptions,
} from './schedule-service.js';
export type { PipelineSchedule, ScheduleFire, ScheduleInput, ScheduleStarter } from './schedule-types.js';
export { pipelineStarter } from './pipeline-starter.js';
export { fireToWire, scheduleToWire } from './schedule-wire.js';
