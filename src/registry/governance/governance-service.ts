import type { Kysely } from 'kysely';
import { artifactUriToStorePath, type ArtifactStore, type OpenedLocation } from '../../artifacts/index.js';
import type { Database, DatabaseHandle } from '../../db/index.js';
import {
  BosunError,
  type Clock,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
  systemClock,
} from '../../shared/index.js';
import type { RegistryEventSink, TypedRegistryEventInput } from '../events/event-types.js';
import { findModel, findVersion } from '../lookups.js';
import { modelVersionStore, type ModelVersionRow } from '../model-version-store.js';
import { registeredModelStore, type RegisteredModelRow } from '../registered-model-store.js';
import type { PromotionRequest, PromotionTarget, RegistryHooks } from '../registry-context.js';
import { isBlocking, scanArtifactTree, type ScanOptions } from '../scanning/index.js';
import { unscannableReason } from '../source-validation.js';
import { approvalFromRow, approvalStore } from './approval-store.js';
import { unmetConditions } from './policy-evaluator.js';
import { parseUser, validatePolicyInput } from './policy-validation.js';
import { policyFromRow, policyStore } from './policy-store.js';
import { PromotionRefusedError } from './promotion-refused-error.js';
import { scanStore } from './scan-store.js';
import { describeTarget, formatTarget, parseTarget } from './target.js';
import type { Approval, PolicyInput, PromotionCheck, PromotionPolicy, ScanRecord } from './types.js';

type Db = Kysely<Database>;

/** The version tag carrying the scan verdict, so that MLflow clients and `search_model_versions` see it. */
export const scanStatusTag = 'bosun.scan.status';
const reservedTagPrefix = 'bosun.scan.';

export interface GovernanceServiceOptions {
  handle: DatabaseHandle;
  /** Records governance events inside their change's transaction (the same sink as the registry's). */
  events: RegistryEventSink;
  /** Where versions stored as `mlflow-artifacts:/...` keep their files (what is scanned). */
  artifacts: ArtifactStore;
  /**
   * Opens other locations the server may read (an `s3://` location inside its configured S3 roots, see
   * `ArtifactStorage.openS3Location`); `undefined` for the rest, which are not scanned (a failed verdict).
   */
  openLocation?: (location: string) => OpenedLocation | undefined;
  clock?: Clock;
  /** Bounds of one scan (defaults: the scanner's). */
  scanLimits?: ScanOptions;
}

/** A request for approval: who asks (an assertion until authentication lands), for which target, and why. */
export interface ApprovalRequestInput {
  target: string;
  user: string;
  comment?: string;
}

export interface DecisionInput {
  user: string;
  comment?: string;
}

function permissionDenied(message: string): BosunError {
  return new BosunError('PERMISSION_DENIED', message);
}

/**
 * Registry governance: promotion policies per model and target, approvals, and model-file scan verdicts. Its
 * `hooks` plug into the registry service, which then scans every new version and gates every alias and stage
 * change (whatever route it comes through) on the model's policy.
 *
 * Example: `const governance = new GovernanceService({ handle, events, artifacts });
 *           const registry = createRegistryService({ handle, events, tracking, hooks: governance.hooks });
 *           await governance.setPolicy('rf', { target: 'alias:champion', requireCleanScan: true });`
 */
export class GovernanceService {
  private readonly db: Kysely<Database>;
  private readonly clock: Clock;
  readonly hooks: RegistryHooks;

  constructor(private readonly options: GovernanceServiceOptions) {
    this.db = options.handle.db;
    this.clock = options.clock ?? systemClock;
    this.hooks = {
      checkPromotion: (db, request) => this.gate(db, request),
      promotionFailed: (error, actor) => this.recordRefusal(error, actor),
      versionCreated: async (v) => {
        await this.scanAndStore(
          { registeredModelId: v.registeredModelId, version: v.version },
          v.storageLocation,
        );
      },
      versionDeleted: async (db, key) => {
        await scanStore.deleteForVersion(db, key);
        await approvalStore.deleteForVersion(db, key);
      },
      modelDeleted: async (db, id) => {
        await scanStore.deleteForModel(db, id);
        await approvalStore.deleteForModel(db, id);
        await policyStore.deleteForModel(db, id);
      },
      isReservedVersionTag: (key) => key.startsWith(reservedTagPrefix),
    };
  }

  private transaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  private async record(db: Db, event: TypedRegistryEventInput): Promise<void> {
    await this.options.events.record(db, event);
  }

  private model(db: Db, name: string): Promise<RegisteredModelRow> {
    return findModel(db, name);
  }

  private version(
    db: Db,
    name: string,
    version: string,
  ): Promise<{ model: RegisteredModelRow; row: ModelVersionRow }> {
    return findVersion(db, name, version);
  }

  // ---- policies ----

  async listPolicies(name: string): Promise<PromotionPolicy[]> {
    const model = await this.model(this.db, name);
    const rows = await policyStore.list(this.db, model.registered_model_id);
    return rows.map((r) => policyFromRow(r, model.name));
  }

  /** Creates or replaces the policy of one target; omitted conditions are off. */
  async setPolicy(name: string, input: PolicyInput, actor?: string): Promise<PromotionPolicy> {
    const valid = validatePolicyInput(input);
    return this.transaction(async (db) => {
      const model = await this.model(db, name);
      const now = this.clock.nowMs();
      await policyStore.upsert(db, {
        registered_model_id: model.registered_model_id,
        target: valid.target,
        require_clean_scan: valid.requireCleanScan ? 1 : 0,
        metric_conditions: JSON.stringify(valid.metricConditions),
        beat_current: valid.beatCurrent ? JSON.stringify(valid.beatCurrent) : null,
        required_approvals: valid.requiredApprovals,
        approvers: JSON.stringify(valid.approvers),
        created_at: now,
        updated_at: now,
      });
      const row = await policyStore.find(db, model.registered_model_id, valid.target);
      const policy = policyFromRow(row!, model.name);
      await this.record(db, {
        type: 'policy.set',
        modelName: model.name,
        ...(actor !== undefined ? { actor } : {}),
        payload: {
          target: policy.target,
          requireCleanScan: policy.requireCleanScan,
          metricConditions: policy.metricConditions,
          beatCurrent: policy.beatCurrent,
          requiredApprovals: policy.requiredApprovals,
          approvers: policy.approvers,
        },
      });
      return policy;
    });
  }

  /** Removes the policy of one target; a missing policy is not an error. */
  async deletePolicy(name: string, targetText: string, actor?: string): Promise<void> {
    const target = formatTarget(parseTarget(targetText));
    await this.transaction(async (db) => {
      const model = await this.model(db, name);
      if (await policyStore.delete(db, model.registered_model_id, target)) {
        await this.record(db, {
          type: 'policy.deleted',
          modelName: model.name,
          ...(actor !== undefined ? { actor } : {}),
          payload: { target },
        });
      }
    });
  }

  // ---- promotion gate ----

  private async evaluate(
    db: Db,
    model: RegisteredModelRow,
    version: ModelVersionRow,
    target: PromotionTarget,
  ): Promise<{ unmet: string[]; targetText: string }> {
    const targetKey = formatTarget(target);
    const row = await policyStore.find(db, model.registered_model_id, targetKey);
    const targetText = describeTarget(target);
    if (!row) return { unmet: [], targetText };
    const unmet = await unmetConditions(db, policyFromRow(row, model.name), {
      registeredModelId: model.registered_model_id,
      version,
      target,
      targetText,
    });
    return { unmet, targetText };
  }

  private async gate(db: Db, request: PromotionRequest): Promise<void> {
    const { unmet, targetText } = await this.evaluate(db, request.model, request.version, request.target);
    if (unmet.length > 0) {
      throw new PromotionRefusedError(
        request.model.name,
        String(request.version.version),
        formatTarget(request.target),
        unmet,
        targetText,
      );
    }
  }

  /** Keeps a refusal on record after its change rolled back: the record has a transaction of its own. */
  private async recordRefusal(error: unknown, actor: string | undefined): Promise<void> {
    if (!(error instanceof PromotionRefusedError)) return;
    await this.transaction((db) =>
      this.record(db, {
        type: 'promotion.refused',
        modelName: error.modelName,
        version: error.version,
        ...(actor !== undefined ? { actor } : {}),
        payload: { target: error.target, unmet: [...error.unmet] },
      }),
    );
  }

  /** Whether `version` may receive `target` now, and if not, why (no policy: allowed). Changes nothing. */
  async checkPromotion(name: string, version: string, targetText: string): Promise<PromotionCheck> {
    const target = parseTarget(targetText);
    const { model, row } = await this.version(this.db, name, version);
    const { unmet } = await this.evaluate(this.db, model, row, target);
    return { allowed: unmet.length === 0, unmet };
  }

  // ---- approvals ----

  async requestApproval(name: string, version: string, input: ApprovalRequestInput): Promise<Approval> {
    const target = formatTarget(parseTarget(input.target));
    const user = parseUser(input.user);
    const comment = validateComment(input.comment);
    return this.transaction(async (db) => {
      const { model, row } = await this.version(db, name, version);
      const id = await approvalStore.insert(db, {
        registered_model_id: model.registered_model_id,
        version: row.version,
        target,
        status: 'requested',
        requested_by: user,
        requested_at: this.clock.nowMs(),
        comment,
      });
      await this.record(db, {
        type: 'approval.requested',
        modelName: model.name,
        version: String(row.version),
        actor: user,
        payload: { approvalId: id, target, comment },
      });
      return approvalFromRow((await approvalStore.find(db, id))!, model.name);
    });
  }

  async listApprovals(name: string, version: string, target?: string): Promise<Approval[]> {
    const targetKey = target !== undefined ? formatTarget(parseTarget(target)) : undefined;
    const { model, row } = await this.version(this.db, name, version);
    const rows = await approvalStore.listForVersion(
      this.db,
      { registeredModelId: model.registered_model_id, version: row.version },
      targetKey,
    );
    return rows.map((r) => approvalFromRow(r, model.name));
  }

  approve(id: number, input: DecisionInput): Promise<Approval> {
    return this.decide(id, 'approved', input);
  }

  /** The registered model an approval request belongs to; undefined when there is no such request. */
  async modelNameOfApproval(id: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(id) || id <= 0) return undefined;
    return approvalStore.modelNameOf(this.db, id);
  }

  reject(id: number, input: DecisionInput): Promise<Approval> {
    return this.decide(id, 'rejected', input);
  }

  private async decide(id: number, status: 'approved' | 'rejected', input: DecisionInput): Promise<Approval> {
    const user = parseUser(input.user);
    const comment = input.comment === undefined ? null : validateComment(input.comment);
    return this.transaction(async (db) => {
      const row = await approvalStore.find(db, id);
      if (!row) throw new NotFoundError(`Approval with id=${id} not found`);
      const modelName = await registeredModelStore.nameById(db, row.registered_model_id);
      if (modelName === undefined) throw new NotFoundError(`Approval with id=${id} not found`);
      if (row.status !== 'requested') {
        throw new InvalidStateError(
          `Approval ${id} was already ${row.status} by ${row.decided_by ?? 'someone'}.`,
        );
      }
      if (status === 'approved' && user === row.requested_by) {
        throw permissionDenied(`${user} requested approval ${id} and cannot approve their own request.`);
      }
      const policy = await policyStore.find(db, row.registered_model_id, row.target);
      const approvers = policy ? (JSON.parse(policy.approvers) as string[]) : [];
      if (approvers.length > 0 && !approvers.includes(user)) {
        throw permissionDenied(
          `${user} is not an approver for ${modelName} ${row.target} (approvers: ${approvers.join(', ')}).`,
        );
      }
      const decided = await approvalStore.decide(db, id, {
        status,
        by: user,
        at: this.clock.nowMs(),
        comment,
      });
      if (!decided) throw new InvalidStateError(`Approval ${id} was decided meanwhile.`);
      await this.record(db, {
        type: status === 'approved' ? 'approval.approved' : 'approval.rejected',
        modelName,
        version: String(row.version),
        actor: user,
        payload: { approvalId: id, target: row.target, ...(comment !== null ? { comment } : {}) },
      });
      return approvalFromRow((await approvalStore.find(db, id))!, modelName);
    });
  }

  // ---- scans ----

  async getScan(name: string, version: string): Promise<ScanRecord> {
    const { model, row } = await this.version(this.db, name, version);
    const scan = await scanStore.find(this.db, {
      registeredModelId: model.registered_model_id,
      version: row.version,
    });
    if (!scan)
      throw new NotFoundError(`Model Version (name=${name}, version=${row.version}) has no scan verdict yet`);
    return scan;
  }

  /** Scans the version's files again and stores the new verdict. */
  async rescan(name: string, version: string, actor?: string): Promise<ScanRecord> {
    const { model, row } = await this.version(this.db, name, version);
    const key = { registeredModelId: model.registered_model_id, version: row.version };
    const scan = await this.scanAndStore(key, row.storage_location, actor);
    if (!scan) throw new NotFoundError(`Model Version (name=${name}, version=${row.version}) not found`);
    return scan;
  }

  /** Scans a storage location. Never throws: whatever goes wrong becomes a failed verdict. */
  private async scanLocation(location: string): Promise<Omit<ScanRecord, 'scannedAt'>> {
    const failed = (error: string) => ({ status: 'failed' as const, files: 0, findings: [], error });
    let store: ArtifactStore;
    let root: string;
    if (/^mlflow-artifacts:/i.test(location)) {
      store = this.options.artifacts;
      try {
        root = artifactUriToStorePath(location);
      } catch {
        return failed('not scannable: invalid storage location');
      }
    } else {
      const opened = this.options.openLocation?.(location);
      if (opened === undefined) return failed(unscannableReason(location));
      ({ store, path: root } = opened);
    }
    try {
      if ((await store.list(root)).length === 0) {
        const single = await store.get(root).catch(() => undefined);
        if (!single) return failed('not scannable: no files at the storage location');
        (single.stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }
      const verdict = await scanArtifactTree(store, root, this.options.scanLimits);
      return {
        status: verdict.status,
        files: verdict.scannedFiles,
        findings: verdict.findings,
        ...(verdict.status === 'failed' ? { error: verdict.error } : {}),
      };
    } catch (error) {
      return failed(`scan error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Scans, then stores the verdict, the status tag and the event in one transaction (none if the version is gone). */
  private async scanAndStore(
    key: { registeredModelId: number; version: number },
    location: string,
    actor?: string,
  ): Promise<ScanRecord | undefined> {
    const scan: ScanRecord = { ...(await this.scanLocation(location)), scannedAt: this.clock.nowMs() };
    return this.transaction(async (db) => {
      if (!(await modelVersionStore.find(db, key))) return undefined;
      const modelName = await registeredModelStore.nameOfExisting(db, key.registeredModelId);
      await scanStore.save(db, key, scan);
      await modelVersionStore.setTag(db, key, { key: scanStatusTag, value: scan.status });
      const blocking = scan.findings.filter((f) => isBlocking(f));
      await this.record(db, {
        type: 'model_version.scanned',
        modelName,
        version: String(key.version),
        ...(actor !== undefined ? { actor } : {}),
        payload: {
          status: scan.status,
          files: scan.files,
          findings: scan.findings.length,
          blocking: blocking.slice(0, 20).map((f) => ({
            file: f.file,
            kind: f.kind,
            ...(f.module !== undefined ? { module: f.module } : {}),
            ...(f.name !== undefined ? { name: f.name } : {}),
            severity: f.severity,
          })),
          ...(scan.error !== undefined ? { error: scan.error } : {}),
        },
      });
      return scan;
    });
  }
}

function validateComment(comment: unknown): string {
  if (comment === undefined || comment === null) return '';
  if (typeof comment !== 'string') throw new InvalidParameterError("Parameter 'comment' must be a string.");
  if (comment.length > 5000)
    throw new InvalidParameterError("Parameter 'comment' is longer than 5000 characters.");
  return comment;
}
