import { InvalidStateError } from '../../shared/index.js';

/**
 * A promotion (alias or stage) refused by the model's policy. Code INVALID_STATE (HTTP 409), so the MLflow
 * client raises at once instead of retrying; the message names each unmet condition.
 * Example message: "Promotion of rf version 3 to alias 'champion' refused by policy: scan is unsafe
 * (os.system); metrics.accuracy = 0.81 does not satisfy >= 0.9; 0 of 2 required approvals"
 */
export class PromotionRefusedError extends InvalidStateError {
  constructor(
    readonly modelName: string,
    readonly version: string,
    readonly target: string,
    readonly unmet: readonly string[],
    targetText: string,
  ) {
    super(
      `Promotion of ${modelName} version ${version} to ${targetText} refused by policy: ${unmet.join('; ')}`,
    );
  }
}
