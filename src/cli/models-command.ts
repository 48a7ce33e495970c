import { Command, CommanderError } from 'commander';
import { BosunClientError, type BosunClient } from '../client/index.js';
import type {
  Approval,
  ModelVersion,
  PromotionCheck,
  PromotionPolicy,
  RegisteredModel,
} from '../registry/index.js';
import { clientFor, withClientOptions, type CliIo, type ClientCommandOptions } from './cli-context.js';
import { toJson } from './format.js';
import {
  approvalLine,
  describePolicy,
  modelDetails,
  modelsTable,
  policiesTable,
  refusal,
  scanReport,
  versionsTable,
} from './models-output.js';
import {
  collect,
  parseTarget,
  policyFromOptions,
  versionFilter,
  type PolicySetOptions,
} from './models-options.js';

interface FilterOptions extends ClientCommandOptions {
  filter?: string;
}

interface PromoteOptions extends ClientCommandOptions {
  alias?: string;
  stage?: string;
  user?: string;
  dryRun?: boolean;
}

interface ApproveOptions extends ClientCommandOptions {
  target: string;
  reject?: boolean;
  comment?: string;
  user?: string;
}

/** Ends the command with `code` after its output has been written (no `error:` line). */
function exitWith(code: number): never {
  throw new CommanderError(code, 'bosun.exit', '');
}

async function allModels(client: BosunClient, filter: string | undefined): Promise<RegisteredModel[]> {
  const models: RegisteredModel[] = [];
  for await (const m of client.registry.iterateRegisteredModels({ filter, orderBy: ['name ASC'] }))
    models.push(m);
  return models;
}

async function allVersions(
  client: BosunClient,
  name: string,
  filter: string | undefined,
): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  const query = { filter: versionFilter(name, filter), orderBy: ['version_number DESC'], maxResults: 1000 };
  for await (const v of client.registry.iterateModelVersions(query)) versions.push(v);
  return versions;
}

/** The policies, or null when the server has no governance API (an older or trimmed server). */
async function policiesOrNull(client: BosunClient, name: string): Promise<PromotionPolicy[] | null> {
  try {
    return await client.governance.listPolicies(name);
  } catch (error) {
    if (error instanceof BosunClientError && error.errorCode === 'ENDPOINT_NOT_FOUND') return null;
    throw error;
  }
}

/** The unmet conditions behind a refused promotion; the server's message when the check cannot say more. */
async function refusalReasons(
  client: BosunClient,
  name: string,
  version: string,
  target: string,
  refused: BosunClientError,
): Promise<PromotionCheck> {
  try {
    const check = await client.governance.checkPromotion(name, version, target);
    if (!check.allowed && check.unmet.length > 0) return check;
  } catch {
    // fall back to the message of the refusal itself
  }
  return { allowed: false, unmet: [refused.message] };
}

/**
 * `models approve`: decides the pending request for the target. With none pending, approving files the
 * request (the requester cannot approve their own request, so another approver decides it); rejecting
 * needs a pending request.
 */
async function approveCommand(
  client: BosunClient,
  name: string,
  version: string,
  options: ApproveOptions,
): Promise<{ approval: Approval; requested: boolean }> {
  const target = parseTarget({ target: options.target });
  const actor = {
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.comment !== undefined ? { comment: options.comment } : {}),
  };
  const approvals = await client.governance.listApprovals(name, version);
  const pending = approvals
    .filter((a) => a.target.toLowerCase() === target.toLowerCase() && a.status === 'requested')
    .sort((a, b) => a.id - b.id)[0];
  if (pending === undefined) {
    if (options.reject === true) {
      throw new BosunClientError(
        'RESOURCE_DOES_NOT_EXIST',
        404,
        `No pending approval request for ${name} version ${version} → ${target} to reject`,
      );
    }
    return {
      approval: await client.governance.requestApproval(name, version, { target, ...actor }),
      requested: true,
    };
  }
  const approval =
    options.reject === true
      ? await client.governance.reject(pending.id, actor)
      : await client.governance.approve(pending.id, actor);
  return { approval, requested: false };
}

function policyCommand(io: CliIo): Command {
  const policy = new Command('policy').description('show, set and delete promotion policies');

  withClientOptions(
    policy.command('show').description("a model's promotion policies").argument('<name>', 'registered model'),
  ).action(async (name: string, options: ClientCommandOptions) => {
    const policies = await clientFor(options, io).governance.listPolicies(name);
    io.stdout(options.json === true ? toJson({ policies }) : policiesTable(policies));
  });

  withClientOptions(
    policy
      .command('set')
      .description('create or replace the policy of one target (absent flags: no such condition)')
      .argument('<name>', 'registered model')
      .requiredOption('--target <target>', 'alias:<alias> or stage:<stage>, e.g. alias:champion')
      .option('--require-clean-scan', 'the version must have a clean scan verdict')
      .option(
        '--metric <condition>',
        'a metric bar on the source run, e.g. "accuracy>=0.9" (repeatable)',
        collect,
        [],
      )
      .option('--beat-current <metric>', 'must beat the version holding the target now on this metric')
      .option('--lower-is-better', 'with --beat-current: lower values are better (e.g. loss)')
      .option('--approvals <n>', 'approvals needed (default 1 when --approver is given, else 0)')
      .option(
        '--approver <user>',
        'a user whose approval counts (repeatable; none: anyone but the requester)',
        collect,
        [],
      ),
  ).action(async (name: string, options: PolicySetOptions & ClientCommandOptions) => {
    const input = policyFromOptions(options);
    const saved = await clientFor(options, io).governance.setPolicy(name, input);
    io.stdout(
      options.json === true
        ? toJson({ policy: saved })
        : `Policy for ${name} → ${saved.target}: ${describePolicy(saved)}\n`,
    );
  });

  withClientOptions(
    policy
      .command('delete')
      .description('delete the policy of one target')
      .argument('<name>', 'registered model')
      .requiredOption('--target <target>', 'alias:<alias> or stage:<stage>'),
  ).action(async (name: string, options: ClientCommandOptions & { target: string }) => {
    const target = parseTarget({ target: options.target });
    await clientFor(options, io).governance.deletePolicy(name, target);
    io.stdout(
      options.json === true
        ? toJson({ deleted: { name, target } })
        : `Deleted the policy for ${name} → ${target}.\n`,
    );
  });

  return policy;
}

/** `bosun models list|show|versions|promote|approve|policy|scan`. */
export function modelsCommand(io: CliIo): Command {
  const models = new Command('models').description(
    'registered models: versions, scans, policies, approvals, promotion',
  );

  withClientOptions(
    models
      .command('list')
      .description('list registered models (all pages)')
      .option('--filter <filter>', `MLflow filter, e.g. "name LIKE 'churn%'"`),
  ).action(async (options: FilterOptions) => {
    const found = await allModels(clientFor(options, io), options.filter);
    if (options.json === true) io.stdout(toJson({ registeredModels: found }));
    else io.stdout(found.length === 0 ? 'No registered models found.\n' : modelsTable(found));
  });

  withClientOptions(
    models
      .command('show')
      .description('one model: description, tags, aliases, latest versions, policies')
      .argument('<name>', 'registered model'),
  ).action(async (name: string, options: ClientCommandOptions) => {
    const client = clientFor(options, io);
    const [model, policies] = await Promise.all([
      client.registry.getRegisteredModel(name),
      policiesOrNull(client, name),
    ]);
    io.stdout(
      options.json === true ? toJson({ registeredModel: model, policies }) : modelDetails(model, policies),
    );
  });

  withClientOptions(
    models
      .command('versions')
      .description("a model's versions, newest first: stage, aliases, scan verdict, run")
      .argument('<name>', 'registered model')
      .option('--filter <filter>', `extra MLflow filter, e.g. "version_number >= 3"`),
  ).action(async (name: string, options: FilterOptions) => {
    const client = clientFor(options, io);
    const versions = await allVersions(client, name, options.filter);
    if (options.json === true) {
      io.stdout(toJson({ modelVersions: versions }));
      return;
    }
    if (versions.length === 0) {
      await client.registry.getRegisteredModel(name); // an unknown model is an error, not an empty list
      io.stdout('No versions found.\n');
    } else {
      io.stdout(versionsTable(versions));
    }
  });

  withClientOptions(
    models
      .command('promote')
      .description(
        'give a version an alias or stage if its policy allows (exit 1 with each unmet condition if not)',
      )
      .argument('<name>', 'registered model')
      .argument('<version>', 'version number')
      .option('--alias <alias>', 'set this alias, e.g. champion')
      .option('--stage <stage>', 'move to this stage: Staging, Production, Archived, None')
      .option('--user <user>', 'who promotes (recorded in the registry events)')
      .option('--dry-run', 'only check the policy, change nothing'),
  ).action(async (name: string, version: string, options: PromoteOptions) => {
    const target = parseTarget({ alias: options.alias, stage: options.stage });
    const client = clientFor(options, io);
    let check: PromotionCheck;
    if (options.dryRun === true) {
      check = await client.governance.checkPromotion(name, version, target);
    } else {
      try {
        await client.governance.promote(name, version, target, options.user);
        check = { allowed: true, unmet: [] };
      } catch (error) {
        if (!(error instanceof BosunClientError) || error.errorCode !== 'INVALID_STATE') throw error;
        check = await refusalReasons(client, name, version, target, error);
      }
    }
    if (options.json === true) {
      io.stdout(toJson({ name, version, target, dryRun: options.dryRun === true, ...check }));
    } else if (check.allowed) {
      io.stdout(
        options.dryRun === true
          ? `${name} version ${version} may be promoted to ${target}.\n`
          : `Promoted ${name} version ${version} to ${target}.\n`,
      );
    } else {
      io.stderr(refusal(name, version, target, check));
    }
    if (!check.allowed) exitWith(1);
  });

  withClientOptions(
    models
      .command('approve')
      .description(
        'approve (or --reject) the pending request for a target; with none pending, file the request',
      )
      .argument('<name>', 'registered model')
      .argument('<version>', 'version number')
      .requiredOption('--target <target>', 'alias:<alias> or stage:<stage>')
      .option('--reject', 'reject the pending request instead')
      .option('--comment <text>', 'why')
      .option('--user <user>', 'who decides (or requests)'),
  ).action(async (name: string, version: string, options: ApproveOptions) => {
    const { approval, requested } = await approveCommand(clientFor(options, io), name, version, options);
    if (options.json === true) {
      io.stdout(toJson({ approval, requested }));
      return;
    }
    io.stdout(approvalLine(approval));
    if (requested) io.stdout('No request was pending, so one was filed; another approver must approve it.\n');
  });

  models.addCommand(policyCommand(io));

  withClientOptions(
    models
      .command('scan')
      .description("a version's model-file scan verdict and findings")
      .argument('<name>', 'registered model')
      .argument('<version>', 'version number')
      .option('--rescan', 'scan the files again first'),
  ).action(async (name: string, version: string, options: ClientCommandOptions & { rescan?: boolean }) => {
    const client = clientFor(options, io);
    const scan =
      options.rescan === true
        ? await client.governance.rescan(name, version)
        : await client.governance.getScan(name, version);
    io.stdout(options.json === true ? toJson({ scan }) : scanReport(name, version, scan));
  });

  return models;
}
