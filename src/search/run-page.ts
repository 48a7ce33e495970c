import type { AliasedRawBuilder, Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { parseRunFilter, parseRunOrderBy } from './run-filter.js';
import { runSortTerms } from './run-order.js';
import { buildRunSearchQuery } from './run-query.js';
import { decodeRunPageStart, encodeRunPageToken } from './run-sort-key.js';
import { searchDialectOf } from './sql-dialect.js';
import type { ViewType } from './view-type.js';

/** One page of a run search, as the search API asks for it. */
export interface RunPageQuery {
  experimentIds: number[];
  viewType: ViewType;
  filter?: string;
  orderBy?: string[];
  /** The `next_page_token` of the previous page; absent or empty for the first page. */
  pageToken?: string;
  pageSize: number;
  /** See `RunSearchQuery.walkEntries` (tests only). */
  walkEntries?: number;
  /** Columns of each run's `runs` row (aliased `r`) to return with the page, in the same statement. */
  runColumns?: readonly AliasedRawBuilder<unknown, string>[];
}

/** The run ids of one page in search order, and the token of the next page (absent on the last page). */
export interface RunPage {
  runIds: string[];
  nextPageToken?: string;
  /** With `runColumns`: each run's `runs` row and those columns, in page order. */
  runs?: Record<string, unknown>[];
}

/**
 * Runs one page of a run search with keyset paging: the next page token carries the sort key of the page's last
 * run, and the next page is the runs that sort after it, so a deep page costs what the first one does, and runs
 * created between two pages never shift a run that existed into a second page or out of every page. Offset tokens
 * (`{"offset": N}`, from earlier Bosun versions or MLflow) still page by offset; the page they answer carries a
 * keyset token onward. A bad filter, order-by or token is an InvalidParameterError.
 *
 * Example: `const { runIds, nextPageToken } = await searchRunPage(db, { experimentIds: [1],
 *   viewType: 'ACTIVE_ONLY', orderBy: ['metrics.acc DESC'], pageSize: 100, pageToken })`.
 */
export async function searchRunPage(db: Kysely<Database>, q: RunPageQuery): Promise<RunPage> {
  parseRunFilter(q.filter);
  const order = parseRunOrderBy(q.orderBy);
  const terms = runSortTerms(order, searchDialectOf(db));
  const start = decodeRunPageStart(q.pageToken, order, terms);
  if (q.experimentIds.length === 0)
    return { runIds: [], ...(q.runColumns !== undefined ? { runs: [] } : {}) };
  const rows = await buildRunSearchQuery(db, {
    experimentIds: q.experimentIds,
    viewType: q.viewType,
    ...(q.filter !== undefined ? { filter: q.filter } : {}),
    ...(q.orderBy !== undefined ? { orderBy: q.orderBy } : {}),
    offset: start.kind === 'offset' ? start.offset : 0,
    ...(start.kind === 'after' ? { after: start.key } : {}),
    limit: q.pageSize + 1,
    ...(q.walkEntries !== undefined ? { walkEntries: q.walkEntries } : {}),
    ...(q.runColumns !== undefined ? { runColumns: q.runColumns } : {}),
  }).execute();
  const page = rows.slice(0, q.pageSize);
  const last = page[page.length - 1];
  return {
    runIds: page.map((r) => r.run_uuid),
    ...(q.runColumns !== undefined ? { runs: page.map((r) => r.run ?? {}) } : {}),
    ...(rows.length > q.pageSize && last !== undefined
      ? { nextPageToken: encodeRunPageToken(order, last.key) }
      : {}),
  };
}
