/** Registry event and webhook tables (events, subscriptions, deliveries). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the events migration
export interface EventTables {}
