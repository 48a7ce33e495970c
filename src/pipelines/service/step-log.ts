import type { StepRun } from '../store/pipeline-store-types.js';
import type { LogChunk } from './log-chunk.js';
import type { LogStream } from './step-log-reads.js';

/**
 * The log of one step run's latest attempt as `PipelineService.logs` answers it: each stream's text from its
 * byte offset on (`stdoutOffset`), and the byte offset a follower asks from next (`stdoutNext`).
 */
export interface StepLog {
  step: string;
  itemIndex: number;
  state: string;
  attempt: number;
  stdout: string;
  stderr: string;
  stdoutOffset: number;
  stdoutNext: number;
  stderrOffset: number;
  stderrNext: number;
}

/** A step run's log from the chunks read of its two streams. */
export function stepLog(s: StepRun, streams: Record<LogStream, LogChunk>): StepLog {
  const { stdout, stderr } = streams;
  return {
    step: s.step,
    itemIndex: s.itemIndex,
    state: s.state,
    attempt: s.attempt,
    stdout: stdout.text,
    stderr: stderr.text,
    stdoutOffset: stdout.offset,
    stdoutNext: stdout.next,
    stderrOffset: stderr.offset,
    stderrNext: stderr.next,
  };
}

/** A step run's log as the API (and `bosun pipeline logs --json`) answers it. */
export function stepLogToWire(l: StepLog) {
  return {
    step: l.step,
    item_index: l.itemIndex >= 0 ? l.itemIndex : null,
    state: l.state,
    attempt: l.attempt,
    stdout: l.stdout,
    stderr: l.stderr,
    stdout_offset: l.stdoutOffset,
    stdout_next: l.stdoutNext,
    stderr_offset: l.stderrOffset,
    stderr_next: l.stderrNext,
  };
}
