import type { Command } from 'commander';
import { InvalidParameterError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';
import { withApi, withApiOptions, type ApiOptions } from './pipeline-api-access.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;

const when = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toISOString() : '');

/** Waiting approvals as text under `bosun pipeline runs` ('' when none waits). */
export function waitingApprovalLines(approvals: readonly Json[]): string {
  if (approvals.length === 0) return '';
  const lines = approvals.map((a) => {
    const model = a['model'] as Json | null;
    const what = model !== null ? `  model ${String(model['name'])} v${String(model['version'])}` : '';
    const expires = a['expires_at'] !== null ? `  until ${when(a['expires_at'])}` : '';
    return `  ${String(a['run_id'])} ${String(a['step'])}${what}${expires}${a['message'] !== null ? `  "${String(a['message'])}"` : ''}\n`;
  });
  return `\nwaiting for approval (bosun pipeline approve|reject RUN STEP --comment ...):\n${lines.join('')}`;
}

/** The candidate's metrics beside the champion's, one metric a row ('' without a comparison). */
export function comparisonTable(approval: Json): string {
  const comparison = approval['comparison'] as Json | null;
  if (comparison === null || comparison === undefined) return '';
  const candidate = comparison['candidate'] as Json;
  const champion = comparison['champion'] as Json | null;
  const candidateMetrics = candidate['metrics'] as Record<string, number>;
  const championMetrics = (champion?.['metrics'] ?? {}) as Record<string, number>;
  const keys = [...new Set([...Object.keys(candidateMetrics), ...Object.keys(championMetrics)])].sort();
  const header = `${String(comparison['model'])}: candidate v${String(candidate['version'])} beside ${
    champion !== null
      ? `${String(comparison['alias'])} v${String(champion['version'])}`
      : `no ${String(comparison['alias'])} yet`
  }\n`;
  const show = (v: number | undefined) => (v === undefined ? '' : String(v));
  return (
    header +
    formatTable(
      [{ header: 'metric' }, { header: 'candidate' }, { header: String(comparison['alias']) }],
      keys.map((k) => [k, show(candidateMetrics[k]), show(championMetrics[k])]),
    )
  );
}

function approvalTable(approvals: readonly Json[]): string {
  return formatTable(
    [
      { header: 'run' },
      { header: 'pipeline' },
      { header: 'step' },
      { header: 'status' },
      { header: 'requested' },
      { header: 'decided by' },
      { header: 'comment / message' },
    ],
    approvals.map((a) => [
      String(a['run_id']),
      String(a['pipeline']),
      String(a['step']),
      String(a['status']),
      when(a['requested_at']),
      String(a['decided_by'] ?? ''),
      String(a['comment'] ?? a['message'] ?? ''),
    ]),
  );
}

/**
 * `bosun pipeline approve|reject RUN STEP --comment TEXT` and `bosun pipeline approvals [RUN]`: decide an approval
 * step, list the waiting ones, or show a run's (with the candidate model's metrics beside the champion's). Through
 * a server with --tracking-uri (the signed-in user decides), else on the server's database (the server driving
 * the run sees the decision at its next heartbeat).
 */
export function addPipelineApproveCommands(pipeline: Command, io: CliIo): void {
  for (const decision of ['approve', 'reject'] as const) {
    withApiOptions(
      pipeline
        .command(decision)
        .description(
          decision === 'approve'
            ? 'approve a waiting approval step (the run continues)'
            : 'reject a waiting approval step (the run fails, or continues with approved=false)',
        )
        .argument('<run-id>', 'the pipeline run')
        .argument('<step>', 'the approval step')
        .option('-m, --comment <text>', 'why (recorded with the decision)')
        .option('--user <name>', 'without auth: who decides (default: the signed-in user, or cli:<login>)'),
    ).action(
      async (runId: string, step: string, options: ApiOptions & { comment?: string; user?: string }) => {
        if (options.comment !== undefined && options.comment.length > 5000)
          throw new InvalidParameterError('--comment is longer than 5000 characters');
        await withApi(options, io, false, async (api) => {
          const approval = await api.decide(runId, step, decision, {
            ...(options.comment !== undefined ? { comment: options.comment } : {}),
            ...(options.user !== undefined ? { user: options.user } : {}),
          });
          io.stdout(
            options.json
              ? toJson({ approval })
              : `${step} of run ${runId} ${String(approval['status'])} by ${String(approval['decided_by'])}\n`,
          );
        });
      },
    );
  }

  withApiOptions(
    pipeline
      .command('approvals')
      .description(
        "approval steps waiting for a decision; with a run id, that run's requests and the candidate beside the champion",
      )
      .argument('[run-id]', 'a pipeline run')
      .option('--pipeline <name>', 'without a run id: only this pipeline'),
  ).action(async (runId: string | undefined, options: ApiOptions & { pipeline?: string }) => {
    await withApi(options, io, false, async (api) => {
      const approvals =
        runId !== undefined
          ? await api.runApprovals(runId)
          : await api.approvals({
              ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
            });
      if (options.json) {
        io.stdout(toJson({ approvals }));
        return;
      }
      io.stdout(approvalTable(approvals));
      for (const a of approvals) {
        const table = comparisonTable(a);
        if (table !== '') io.stdout(`\n${table}`);
      }
    });
  });
}
