import { formatPath, type Diagnostic, type DiagnosticCode, type DocPath } from './diagnostics.js';
import type { PipelineSpec, StepSpec } from './pipeline-schema.js';
import type { SourceMap } from './read-document.js';

/** Where a step sits: `steps` (the DAG) or `on_exit` (run once the DAG has ended). */
export type StepPhase = 'main' | 'exit';

/** What a step runs. */
export type StepKind = 'command' | 'script' | 'function' | 'approval';

/** The kind of a step (a valid step has exactly one of the four fields). */
export function stepKind(step: StepSpec): StepKind {
  if (step.command !== undefined) return 'command';
  if (step.script !== undefined) return 'script';
  if (step.function !== undefined) return 'function';
  return 'approval';
}

export interface StepEntry {
  name: string;
  spec: StepSpec;
  phase: StepPhase;
  path: DocPath;
  /** Position in the document (steps first, then on_exit), for stable orderings. */
  index: number;
}

/** Why one step must wait for another. */
export type EdgeKind = 'input' | 'after' | 'when' | 'for_each';

/** A dependency found while checking: `from` ends (or produces) before `to` starts. */
export interface RawEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** The output read, for `input`, `when` and `for_each` edges. */
  output?: string;
  /** Where the reference is written (for the cycle message). */
  path: DocPath;
}

/** The shared state of one semantic check: the document, what is already known broken, and what was found. */
export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly edges: RawEdge[] = [];
  readonly steps = new Map<string, StepEntry>();
  private readonly brokenPaths: string[];

  constructor(
    readonly spec: PipelineSpec,
    broken: ReadonlySet<string>,
    private readonly sourceMap?: SourceMap,
  ) {
    this.brokenPaths = [...broken];
  }

  /** Records a problem at `path` (its key with `part: 'key'`, or `offset` characters into its text). */
  report(
    code: DiagnosticCode,
    path: DocPath,
    message: string,
    where: { part?: 'key'; offset?: number } = {},
  ): void {
    const position =
      where.offset !== undefined
        ? this.sourceMap?.locateInside(path, where.offset)
        : this.sourceMap?.locate(path, where.part ?? 'value');
    this.diagnostics.push({ code, path: formatPath(path), message, ...(position ?? {}) });
  }

  /** True when the structural check found nothing wrong at, above or below `path`. */
  clean(path: DocPath): boolean {
    const p = formatPath(path);
    return !this.brokenPaths.some(
      (b) =>
        b === p ||
        b.startsWith(`${p}.`) ||
        b.startsWith(`${p}[`) ||
        p.startsWith(`${b}.`) ||
        p.startsWith(`${b}[`) ||
        b === '',
    );
  }
}
