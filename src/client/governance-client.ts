import type { Approval, PolicyInput, PromotionCheck, PromotionPolicy, ScanRecord } from './registry-types.js';
import type { HttpTransport } from './http.js';
import {
  approvalFromWire,
  policyFromWire,
  policyInputToWire,
  promotionCheckFromWire,
  scanFromWire,
} from './governance-wire.js';
import { readArray } from './wire.js';

const api = '/api/bosun/v1/registry';

const seg = encodeURIComponent;

/** Who acts and why: sent as `user` and `comment` when given. */
export interface ActorInput {
  user?: string;
  comment?: string;
}

function actorBody(input: ActorInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.user !== undefined) body.user = input.user;
  if (input.comment !== undefined) body.comment = input.comment;
  return body;
}

/**
 * Registry governance (Bosun's native API): promotion policies, model-file scans, approvals, promotion.
 * Reached as `client.governance`. Targets are `alias:<name>` or `stage:<Stage>`.
 *
 * Example:
 * ```ts
 * await client.governance.setPolicy('churn', { target: 'alias:champion', requireCleanScan: true });
 * const check = await client.governance.checkPromotion('churn', '3', 'alias:champion');
 * if (check.allowed) await client.governance.promote('churn', '3', 'alias:champion');
 * ```
 */
export class GovernanceClient {
  constructor(private readonly http: HttpTransport) {}

  private versionPath(name: string, version: string): string {
    return `${api}/models/${seg(name)}/versions/${seg(version)}`;
  }

  async listPolicies(name: string): Promise<PromotionPolicy[]> {
    const answer = await this.http.get(`${api}/models/${seg(name)}/policies`);
    return readArray(answer.policies, 'policies').map((p, i) => policyFromWire(p, `policies[${i}]`));
  }

  /** Creates or replaces the policy of `input.target`. */
  async setPolicy(name: string, input: PolicyInput): Promise<PromotionPolicy> {
    const answer = await this.http.request('PUT', `${api}/models/${seg(name)}/policies`, {
      body: policyInputToWire(input),
    });
    return policyFromWire(answer.policy);
  }

  async deletePolicy(name: string, target: string): Promise<void> {
    await this.http.request('DELETE', `${api}/models/${seg(name)}/policies`, { query: { target } });
  }

  /** The stored verdict of the version's latest scan. */
  async getScan(name: string, version: string): Promise<ScanRecord> {
    const answer = await this.http.get(`${this.versionPath(name, version)}/scan`);
    return scanFromWire(answer.scan);
  }

  /** Scans the version's files again and stores the new verdict. */
  async rescan(name: string, version: string): Promise<ScanRecord> {
    const answer = await this.http.post(`${this.versionPath(name, version)}/scan`, {});
    return scanFromWire(answer.scan);
  }

  async requestApproval(
    name: string,
    version: string,
    input: ActorInput & { target: string },
  ): Promise<Approval> {
    const answer = await this.http.post(`${this.versionPath(name, version)}/approvals`, {
      target: input.target,
      ...actorBody(input),
    });
    return approvalFromWire(answer.approval);
  }

  async listApprovals(name: string, version: string): Promise<Approval[]> {
    const answer = await this.http.get(`${this.versionPath(name, version)}/approvals`);
    return readArray(answer.approvals, 'approvals').map((a, i) => approvalFromWire(a, `approvals[${i}]`));
  }

  async approve(id: number, input: ActorInput = {}): Promise<Approval> {
    const answer = await this.http.post(`${api}/approvals/${id}/approve`, actorBody(input));
    return approvalFromWire(answer.approval);
  }

  async reject(id: number, input: ActorInput = {}): Promise<Approval> {
    const answer = await this.http.post(`${api}/approvals/${id}/reject`, actorBody(input));
    return approvalFromWire(answer.approval);
  }

  /** Whether the version may receive `target` now, and if not, each unmet condition as a sentence. */
  async checkPromotion(name: string, version: string, target: string): Promise<PromotionCheck> {
    const answer = await this.http.get(`${this.versionPath(name, version)}/promotion-check`, { target });
    return promotionCheckFromWire(answer);
  }

  /**
   * Gives the version the alias or stage if its policy allows. A refusal is a `BosunClientError` with
   * code `INVALID_STATE` (HTTP 409) whose message names each unmet condition.
   */
  async promote(name: string, version: string, target: string, user?: string): Promise<void> {
    await this.http.post(`${this.versionPath(name, version)}/promote`, {
      target,
      ...(user !== undefined ? { user } : {}),
    });
  }
}
