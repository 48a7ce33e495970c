export {
  StepTokenService,
  type IssuedStepToken,
  type StepTokenCheck,
  type StepTokenIssuer,
  type StepTokenRefusal,
  type StepTokenScope,
  type StepTokenServiceOptions,
} from './step-token-service.js';
