/** Human output of `bosun models`: tables and detail views (the `--json` output is the objects themselves). */
import type {
  Approval,
  MetricCondition,
  ModelVersion,
  PromotionCheck,
  PromotionPolicy,
  RegisteredModel,
  ScanRecord,
} from '../registry/index.js';
import { formatMetricValue, formatTimestamp } from './format.js';
import { formatKeyValues, formatTable } from './tables.js';

/** The tag where the registry keeps a version's latest scan verdict. */
export const scanStatusTag = 'bosun.scan.status';

function highestVersion(model: RegisteredModel): string {
  const numbers = model.latestVersions.map((v) => Number(v.version));
  return numbers.length === 0 ? '' : String(Math.max(...numbers));
}

function aliasList(model: RegisteredModel): string {
  return [...model.aliases]
    .sort((a, b) => a.alias.localeCompare(b.alias))
    .map((a) => `${a.alias}=v${a.version}`)
    .join(', ');
}

export function modelsTable(models: readonly RegisteredModel[]): string {
  return formatTable(
    [
      { header: 'NAME', maxWidth: 40 },
      { header: 'LATEST', align: 'right' },
      { header: 'ALIASES', maxWidth: 40 },
      { header: 'UPDATED' },
      { header: 'DESCRIPTION', maxWidth: 50 },
    ],
    models.map((m) => [
      m.name,
      highestVersion(m),
      aliasList(m),
      formatTimestamp(m.lastUpdatedTimestamp),
      m.description ?? '',
    ]),
  );
}

export function scanStatusOf(version: ModelVersion): string {
  return version.tags.find((t) => t.key === scanStatusTag)?.value ?? '';
}

export function versionsTable(versions: readonly ModelVersion[]): string {
  return formatTable(
    [
      { header: 'VERSION', align: 'right' },
      { header: 'STAGE' },
      { header: 'ALIASES', maxWidth: 30 },
      { header: 'SCAN' },
      { header: 'RUN ID' },
      { header: 'CREATED' },
    ],
    versions.map((v) => [
      v.version,
      v.currentStage,
      [...v.aliases].sort().join(', '),
      scanStatusOf(v),
      v.runId ?? '',
      formatTimestamp(v.creationTimestamp),
    ]),
  );
}

export function describeCondition(c: MetricCondition): string {
  return `metrics.${c.metric} ${c.op} ${formatMetricValue(c.value)}`;
}

/** One line per condition of a policy, e.g. `clean scan; metrics.accuracy >= 0.9; 2 approvals from ana, bo`. */
export function describePolicy(p: PromotionPolicy): string {
  const parts: string[] = [];
  if (p.requireCleanScan) parts.push('clean scan');
  parts.push(...p.metricConditions.map(describeCondition));
  if (p.beatCurrent !== null) {
    parts.push(
      `beat current on ${p.beatCurrent.metric} (${p.beatCurrent.greaterIsBetter ? 'higher' : 'lower'} is better)`,
    );
  }
  if (p.requiredApprovals > 0) {
    const who = p.approvers.length > 0 ? ` from ${p.approvers.join(', ')}` : '';
    parts.push(`${p.requiredApprovals} approval${p.requiredApprovals === 1 ? '' : 's'}${who}`);
  }
  return parts.length === 0 ? '(no conditions)' : parts.join('; ');
}

export function policiesTable(policies: readonly PromotionPolicy[]): string {
  if (policies.length === 0) return '(none)\n';
  return formatTable(
    [{ header: 'TARGET' }, { header: 'CONDITIONS', maxWidth: 100 }, { header: 'UPDATED' }],
    policies.map((p) => [p.target, describePolicy(p), formatTimestamp(p.updatedAt)]),
  );
}

/** `models show`: the model, its tags, aliases, latest versions and policies (`null`: no governance API). */
export function modelDetails(model: RegisteredModel, policies: readonly PromotionPolicy[] | null): string {
  const sections = [
    formatKeyValues([
      ['Name', model.name],
      ['Description', model.description ?? ''],
      ['Created', formatTimestamp(model.creationTimestamp)],
      ['Updated', formatTimestamp(model.lastUpdatedTimestamp)],
    ]),
  ];
  const section = (title: string, body: string): void => {
    sections.push(`\n${title}\n${body}`);
  };
  section(
    'Tags',
    model.tags.length === 0
      ? '(none)\n'
      : formatTable(
          [{ header: 'KEY' }, { header: 'VALUE', maxWidth: 80 }],
          [...model.tags].sort((a, b) => a.key.localeCompare(b.key)).map((t) => [t.key, t.value]),
        ),
  );
  section(
    'Aliases',
    model.aliases.length === 0
      ? '(none)\n'
      : formatTable(
          [{ header: 'ALIAS' }, { header: 'VERSION', align: 'right' }],
          [...model.aliases].sort((a, b) => a.alias.localeCompare(b.alias)).map((a) => [a.alias, a.version]),
        ),
  );
  section(
    'Latest versions',
    model.latestVersions.length === 0 ? '(none)\n' : versionsTable(model.latestVersions),
  );
  section(
    'Policies',
    policies === null ? '(governance API not available on this server)\n' : policiesTable(policies),
  );
  return sections.join('');
}

/** `models scan`: the verdict line, then the findings. */
export function scanReport(name: string, version: string, scan: ScanRecord): string {
  const lines = [
    `Scan of ${name} version ${version}: ${scan.status.toUpperCase()} ` +
      `(${scan.files} file${scan.files === 1 ? '' : 's'}, scanned ${formatTimestamp(scan.scannedAt)})\n`,
  ];
  if (scan.error !== undefined) lines.push(`Error: ${scan.error}\n`);
  if (scan.findings.length === 0) {
    lines.push('No findings.\n');
  } else {
    lines.push(
      '\n' +
        formatTable(
          [
            { header: 'SEVERITY' },
            { header: 'KIND' },
            { header: 'GLOBAL', maxWidth: 50 },
            { header: 'FILE', maxWidth: 60 },
            { header: 'DETAIL', maxWidth: 80 },
          ],
          scan.findings.map((f) => [
            f.severity,
            f.kind,
            f.module !== undefined
              ? `${f.module}${f.name !== undefined ? `.${f.name}` : ''}`
              : (f.name ?? ''),
            f.file,
            f.detail,
          ]),
        ),
    );
  }
  return lines.join('');
}

/** The unmet conditions of a refused (or refusable) promotion, one bullet each. */
export function refusal(name: string, version: string, target: string, check: PromotionCheck): string {
  const bullets = check.unmet.map((u) => `  - ${u}\n`).join('');
  return `Promotion of ${name} version ${version} to ${target} refused:\n${bullets}`;
}

export function approvalLine(a: Approval): string {
  const decided =
    a.decidedBy !== undefined
      ? ` by ${a.decidedBy}${a.decidedAt !== undefined ? ` at ${formatTimestamp(a.decidedAt)}` : ''}`
      : '';
  return `Approval #${a.id} for ${a.modelName} version ${a.version} → ${a.target}: ${a.status}${decided}\n`;
}
