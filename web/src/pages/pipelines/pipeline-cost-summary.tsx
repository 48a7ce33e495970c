import type { ReactNode } from 'react';
import { useAsync } from '../../components/use-async';
import { formatUsd, getPipelineCost, type CostTotal } from './pipeline-cost';

/** One line: cost, savings by cache hits, and how many step runs had no class (cost unknown). */
export function CostText({ total }: { total: CostTotal }): ReactNode {
  return (
    <>
      {formatUsd(total.costUsd)}
      {total.savedUsd !== null && (
        <span className="muted"> (saved {formatUsd(total.savedUsd)} by cache hits)</span>
      )}
      {total.unpricedSteps > 0 && (
        <span className="muted">
          {' '}
          · {total.unpricedSteps} step run{total.unpricedSteps === 1 ? '' : 's'} with no resource class
        </span>
      )}
    </>
  );
}

/** A pipeline's total cost over its runs, for its page's facts (`<dt>Cost</dt><dd>…</dd>`). */
export function PipelineCostFacts({ pipeline }: { pipeline: string }): ReactNode {
  const [cost] = useAsync((signal) => getPipelineCost(pipeline, signal), [pipeline]);
  return (
    <>
      <dt>Cost</dt>
      <dd data-testid="pipeline-cost">
        {cost.status === 'loading' && '…'}
        {cost.status === 'error' && <span className="muted">not available</span>}
        {cost.status === 'ok' && (
          <>
            {cost.value.runs} run{cost.value.runs === 1 ? '' : 's'}: <CostText total={cost.value.total} />
          </>
        )}
      </dd>
    </>
  );
}
