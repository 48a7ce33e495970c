import { registryEventSubjects, type RegistryEvents } from '../registry/events/index.js';
import { EventTypes, type SubjectKinds } from '../events/index.js';
import { monitoringEventSubjects, type MonitoringEvents } from '../monitoring/index.js';
import type { MonitorAlertEventType } from '../registry/webhooks/index.js';

/**
 * Every event type of the platform: the union of the domains' catalogues, each declared in its own folder. A
 * new domain adds its catalogue type here and spreads its subject kinds into `platformEventTypes`; the
 * compiler then refuses a platform list that misses one of its types. Event type names are prefixed by what
 * they are about (`model_version.`, `pipeline_run.`...), so domains do not collide.
 */
export type PlatformEvents = RegistryEvents & MonitoringEvents;

const platformSubjects: SubjectKinds<PlatformEvents> = {
  ...registryEventSubjects,
  ...monitoringEventSubjects,
};

/** The platform's event types at run time: what the production outbox accepts. */
export const platformEventTypes = new EventTypes<PlatformEvents>(platformSubjects);

/**
 * The webhooks layer (below monitoring) names the monitor alert event types it delivers as plain strings; this
 * fails compilation if one of them stops being a platform event type.
 */
const webhookAlertTypesArePlatformTypes: Record<MonitorAlertEventType, keyof PlatformEvents> = {
  'monitor.alert_fired': 'monitor.alert_fired',
  'monitor.alert_resolved': 'monitor.alert_resolved',
};
void webhookAlertTypesArePlatformTypes;
