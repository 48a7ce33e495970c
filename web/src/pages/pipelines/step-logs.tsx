import { useEffect, useRef, type ReactNode } from 'react';
import { ErrorMessage, Loading } from '../../components/status';
import { getStepLog, type StepLog } from './pipelines-api';
import { usePolling } from './use-polling';

/** How often the logs of a pending or running step are read again. */
const followMs = 1000;

/** One stream of a step's output, kept scrolled to its end while it grows (unless the reader scrolled up). */
function LogText({ title, text, live }: { title: string; text: string; live: boolean }): ReactNode {
  const ref = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el !== null && live && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [text, live]);
  return (
    <figure className="step-log">
      <figcaption>{title}</figcaption>
      {text === '' ? (
        <p className="muted">(empty)</p>
      ) : (
        <pre
          ref={ref}
          tabIndex={0}
          aria-label={title}
          onScroll={(e) => {
            const el = e.currentTarget;
            atEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
          }}
        >
          {text}
        </pre>
      )}
    </figure>
  );
}

const following = (state: string): boolean => state === 'pending' || state === 'running';

/**
 * The log read so far plus a read from its ends: appended when the read continues the same attempt where the
 * last one stopped, else (a new attempt, a stream that started over) the read replaces it.
 */
export function mergeLog(before: StepLog | undefined, read: StepLog): StepLog {
  if (
    before === undefined ||
    before.attempt !== read.attempt ||
    read.stdoutOffset !== before.stdoutNext ||
    read.stderrOffset !== before.stderrNext
  ) {
    return read;
  }
  return {
    ...read,
    stdout: before.stdout + read.stdout,
    stderr: before.stderr + read.stderr,
    stdoutOffset: 0,
    stderrOffset: 0,
  };
}

/**
 * The stdout and stderr of a step run's latest attempt (GET .../runs/{id}/logs?step=&item=), read again every
 * second while the step is pending or running, each time only what was written since (`stdout_offset`,
 * `stderr_offset`), so the text follows the process; final once the step ends.
 */
export function StepLogs({
  runId,
  step,
  itemIndex,
}: {
  runId: string;
  step: string;
  itemIndex: number | null;
}): ReactNode {
  const sofar = useRef<StepLog | undefined>(undefined);
  const { state, refreshError } = usePolling(
    async (signal) => {
      const before = sofar.current;
      const from =
        before !== undefined && following(before.state)
          ? { stdout: before.stdoutNext, stderr: before.stderrNext }
          : undefined;
      const read = await getStepLog(runId, step, itemIndex, from, signal);
      sofar.current =
        read === undefined ? undefined : mergeLog(from === undefined ? undefined : before, read);
      return sofar.current;
    },
    (log) => (log === undefined || following(log.state) ? followMs : undefined),
    [runId, step, itemIndex],
  );
  const name = `${step}${itemIndex === null ? '' : `[${itemIndex}]`}`;
  return (
    <section aria-labelledby="step-logs-title" className="step-logs">
      <h2 id="step-logs-title">Logs of {name}</h2>
      {state.status === 'loading' && <Loading what="logs" />}
      {state.status === 'error' && <ErrorMessage title="Could not load the logs" message={state.message} />}
      {refreshError !== undefined && (
        <ErrorMessage title="Could not refresh the logs" message={refreshError} />
      )}
      {state.status === 'ok' && state.value === undefined && <p className="muted">No logs for this step.</p>}
      {state.status === 'ok' && state.value !== undefined && (
        <>
          <p className="muted" role="status">
            Attempt {state.value.attempt}, {state.value.state}
            {state.value.state === 'running' || state.value.state === 'pending' ? ': following…' : ''}
          </p>
          <LogText title="stdout" text={state.value.stdout} live={state.value.state === 'running'} />
          <LogText title="stderr" text={state.value.stderr} live={state.value.state === 'running'} />
        </>
      )}
    </section>
  );
}
