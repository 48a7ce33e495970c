/**
 * Whether this server process should get traffic (readiness), as opposed to whether it runs at all (liveness,
 * `/health`). With several replicas behind a load balancer, a replica is ready when its database answers and
 * the database's schema is exactly the one its code was written for: a replica left on an older release after
 * another applied newer migrations (or one whose database lost a migration) must not serve requests.
 */

/** How the schema compares with the code's migrations (see `migrationState` in src/db). */
export type MigrationsReport = 'current' | 'behind' | 'ahead' | 'unchecked';

/** Whether the secret store is sealed under this process's master key. Informational: never gates readiness. */
export type SecretsReport = 'ok' | 'disabled' | 'stale_key' | 'unchecked';

/** One readiness check's findings. */
export interface Readiness {
  ready: boolean;
  database: 'ok' | 'error';
  /**
   * `behind`: the database lacks migrations this code has (`pendingMigrations`); `ahead`: it has migrations this
   * code does not know (`unknownMigrations`, a newer release ran them); `unchecked`: the database did not answer.
   */
  migrations: MigrationsReport;
  pendingMigrations: string[];
  unknownMigrations: string[];
  /**
   * `stale_key`: another process rotated the master key; this one cannot read secrets (webhook signing) until
   * it is restarted with the new key. Not a readiness condition: right after a rotation every replica is
   * stale until restarted, and taking them all out would stop everything else too.
   */
  secrets: SecretsReport;
}

/** What the probe reads; each rejects when the database cannot be reached. */
export interface ReadinessSources {
  checkDatabase(): Promise<void>;
  migrationState(): Promise<{ pending: string[]; unknown: string[] }>;
  /** Absent when the server runs without a master key. */
  secretsKeyIsCurrent?: () => Promise<boolean>;
}

/**
 * Runs the readiness checks. Never throws: a failure is a finding.
 * Example: `const r = await checkReadiness({ checkDatabase, migrationState: () => migrationState(handle) });`
 */
export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const notReady: Readiness = {
    ready: false,
    database: 'error',
    migrations: 'unchecked',
    pendingMigrations: [],
    unknownMigrations: [],
    secrets: 'unchecked',
  };
  let state: { pending: string[]; unknown: string[] };
  try {
    await sources.checkDatabase();
    state = await sources.migrationState();
  } catch {
    return notReady;
  }
  let secrets: SecretsReport = 'disabled';
  if (sources.secretsKeyIsCurrent) {
    try {
      secrets = (await sources.secretsKeyIsCurrent()) ? 'ok' : 'stale_key';
    } catch {
      secrets = 'unchecked';
    }
  }
  const migrations: MigrationsReport =
    state.unknown.length > 0 ? 'ahead' : state.pending.length > 0 ? 'behind' : 'current';
  return {
    ready: migrations === 'current',
    database: 'ok',
    migrations,
    pendingMigrations: state.pending,
    unknownMigrations: state.unknown,
    secrets,
  };
}
