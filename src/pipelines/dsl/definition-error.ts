import { InvalidParameterError } from '../../shared/index.js';
import { formatDiagnostic, type Diagnostic, type DiagnosticCode } from '../spec/diagnostics.js';

/** A pipeline the builder could not make: the problems, each with its path in the document. */
export class PipelineDefinitionError extends InvalidParameterError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(`Invalid pipeline:\n${diagnostics.map((d) => `  ${formatDiagnostic(d, 'pipeline')}`).join('\n')}`);
  }
}

/** Throws a PipelineDefinitionError with one problem. */
export function fail(code: DiagnosticCode, path: string, message: string): never {
  throw new PipelineDefinitionError([{ code, path, message }]);
}
