/**
 * Pipeline triggers (issue 12, point 7): registry events, monitoring alerts and authenticated webhook calls that
 * start pipeline runs, each event once across servers. See trigger-service.ts.
 */
export { TriggerService, type CreatedTrigger, type TriggerServiceOptions } from './trigger-service.js';
export { triggerConsumer, triggerConsumerName } from './trigger-consumer.js';
export { templateFields } from './event-fields.js';
export {
  TRIGGER_ARTIFACT_DIR,
  TRIGGER_CONTEXT_ERROR_TAG,
  folderDigest,
  triggerArtifactDigestTag,
  type TriggerContext,
  type TriggerContextSource,
  type TriggerEvent,
} from './trigger-context.js';
export { firingToWire, triggerToWire } from './trigger-wire.js';
export {
  ALERT_CHANGES,
  ALERT_CONDITION_NAMES,
  FIRING_STATES,
  TRIGGER_KINDS,
  TriggerTokenError,
  type FiringState,
  type PipelineTrigger,
  type RunAttachment,
  type TriggerFiring,
  type TriggerFilter,
  type TriggerKind,
  type TriggerStarter,
} from './trigger-types.js';
