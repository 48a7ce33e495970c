import type { ViewType } from '../../api/tracking';

/** The lifecycle choice of a list page, as it appears in the URL. */
export type Lifecycle = 'active' | 'deleted' | 'all';

/** The search API's view type of each lifecycle choice. */
export const lifecycleViews: Record<Lifecycle, ViewType> = {
  active: 'ACTIVE_ONLY',
  deleted: 'DELETED_ONLY',
  all: 'ALL',
};

/** The URL's `lifecycle` value; anything else means active. */
export function parseLifecycle(value: string | null): Lifecycle {
  return value === 'deleted' || value === 'all' ? value : 'active';
}

/**
 * MLflow's experiment filter for "name contains `text`" (case-insensitive; a quote is doubled, as the grammar
 * reads it), or undefined for no text.
 */
export function experimentSearchFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return `name ILIKE '%${trimmed.replace(/'/g, "''")}%'`;
}
