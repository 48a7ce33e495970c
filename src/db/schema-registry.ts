/** Model-registry tables (registered models, versions, aliases, tags, policies, approvals, scans). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the registry migration
export interface RegistryTables {}
