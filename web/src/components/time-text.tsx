import type { ReactNode } from 'react';
import { formatDateTime, formatRelative } from './format';

/** A time shown relative ("5 minutes ago") with the absolute time as its tooltip and machine-readable value. */
export function TimeText({ ms }: { ms: number }): ReactNode {
  if (ms <= 0) return <span className="muted">—</span>;
  const iso = new Date(ms).toISOString();
  return (
    <time dateTime={iso} title={formatDateTime(ms)}>
      {formatRelative(ms)}
    </time>
  );
}
