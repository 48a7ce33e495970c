import type { ReactNode } from 'react';
import type { RunStatus, StepState } from './pipelines-api';
import { stateIcon } from './step-status';

/** A run status or step state: icon and word, coloured by state (the colour is never the only sign). */
export function StatusText({ state }: { state: StepState | RunStatus }): ReactNode {
  return (
    <span className={`pipeline-state state-${state}`}>
      <span aria-hidden="true">{stateIcon(state)}</span> {state}
    </span>
  );
}
