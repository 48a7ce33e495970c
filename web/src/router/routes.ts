/**
 * Every page of the UI and the hash URL that opens it. The URLs the `mlflow` client prints after each run,
 * `#/experiments/<id>` and `#/experiments/<id>/runs/<run_id>`, are routes here. A page's state (filter, sort,
 * columns...) lives in the query part after the path, `#/experiments/1?filter=...`, so a URL is shareable.
 * Adding a page: a member of `Route`, a branch in `parseRoute` and `routeHref`, and a case in app.tsx (the
 * switch there is exhaustive, so the compiler points at it).
 */
export type Route =
  | { page: 'experiments'; query: URLSearchParams }
  | { page: 'runs'; experimentId: string; query: URLSearchParams }
  | { page: 'experiments-runs'; query: URLSearchParams }
  | { page: 'run'; experimentId: string; runId: string; query: URLSearchParams }
  | { page: 'compare'; query: URLSearchParams }
  | { page: 'charts'; query: URLSearchParams }
  | { page: 'logged-models'; experimentId: string; query: URLSearchParams }
  | { page: 'logged-model'; experimentId: string; modelId: string; query: URLSearchParams }
  | { page: 'models'; query: URLSearchParams }
  | { page: 'model'; name: string; query: URLSearchParams }
  | { page: 'model-version'; name: string; version: string; query: URLSearchParams }
  | { page: 'monitoring'; name: string; query: URLSearchParams }
  | { page: 'alerts'; query: URLSearchParams }
  | { page: 'pipelines'; query: URLSearchParams }
  | { page: 'pipeline'; name: string; query: URLSearchParams }
  | { page: 'pipeline-runs'; query: URLSearchParams }
  | { page: 'pipeline-run'; runId: string; query: URLSearchParams }
  | { page: 'sign-in'; query: URLSearchParams }
  | { page: 'admin'; section: AdminSection; query: URLSearchParams }
  | { page: 'not-found'; path: string };

/** The administration pages (`#/admin/<section>`), offered to users whose capabilities allow them. */
export const adminSections = ['users', 'tokens', 'permissions', 'audit', 'secrets'] as const;
export type AdminSection = (typeof adminSections)[number];
const isAdminSection = (s: string): s is AdminSection => (adminSections as readonly string[]).includes(s);

const segment = (s: string): string => encodeURIComponent(s);

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The route of a location hash (`#/experiments/1?filter=x`); anything unknown is `not-found`. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const questionMark = raw.indexOf('?');
  const path = questionMark === -1 ? raw : raw.slice(0, questionMark);
  const query = new URLSearchParams(questionMark === -1 ? '' : raw.slice(questionMark + 1));
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decode);
  if (parts.some((p) => p === undefined)) return { page: 'not-found', path };
  const [first, id, third, runId, ...rest] = parts as string[];
  if (first === undefined) return { page: 'experiments', query };
  if (first === 'experiments' && id === undefined) return { page: 'experiments', query };
  if (first === 'experiments' && id !== undefined && third === undefined) {
    return { page: 'runs', experimentId: id, query };
  }
  if (
    first === 'experiments' &&
    id !== undefined &&
    third === 'runs' &&
    runId !== undefined &&
    rest.length === 0
  ) {
    return { page: 'run', experimentId: id, runId, query };
  }
  if (first === 'runs' && id === undefined) return { page: 'experiments-runs', query };
  if (first === 'compare' && id === undefined) return { page: 'compare', query };
  if (first === 'charts' && id === undefined) return { page: 'charts', query };
  if (first === 'experiments' && id !== undefined && third === 'logged-models' && rest.length === 0) {
    return runId === undefined
      ? { page: 'logged-models', experimentId: id, query }
      : { page: 'logged-model', experimentId: id, modelId: runId, query };
  }
  if (first === 'models' && id === undefined) return { page: 'models', query };
  if (first === 'models' && id !== undefined && third === undefined)
    return { page: 'model', name: id, query };
  if (
    first === 'models' &&
    id !== undefined &&
    third === 'versions' &&
    runId !== undefined &&
    rest.length === 0
  ) {
    return { page: 'model-version', name: id, version: runId, query };
  }
  if (first === 'models' && id !== undefined && third === 'monitoring' && runId === undefined) {
    return { page: 'monitoring', name: id, query };
  }
  if (first === 'alerts' && id === undefined) return { page: 'alerts', query };
  if (first === 'pipelines' && third === undefined) {
    return id === undefined ? { page: 'pipelines', query } : { page: 'pipeline', name: id, query };
  }
  if (first === 'pipeline-runs' && third === undefined) {
    return id === undefined ? { page: 'pipeline-runs', query } : { page: 'pipeline-run', runId: id, query };
  }
  if (first === 'sign-in' && id === undefined) return { page: 'sign-in', query };
  if (first === 'admin' && third === undefined) {
    const section = id ?? 'users';
    if (isAdminSection(section)) return { page: 'admin', section, query };
  }
  return { page: 'not-found', path };
}

/** The href (`#/...`) of a route; a query with no entries adds nothing. */
export function routeHref(route: Route): string {
  const withQuery = (path: string, query: URLSearchParams): string => {
    const q = query.toString();
    return q === '' ? `#${path}` : `#${path}?${q}`;
  };
  switch (route.page) {
    case 'experiments':
      return withQuery('/experiments', route.query);
    case 'runs':
      return withQuery(`/experiments/${segment(route.experimentId)}`, route.query);
    case 'run':
      return withQuery(
        `/experiments/${segment(route.experimentId)}/runs/${segment(route.runId)}`,
        route.query,
      );
    case 'experiments-runs':
      return withQuery('/runs', route.query);
    case 'compare':
      return withQuery('/compare', route.query);
    case 'charts':
      return withQuery('/charts', route.query);
    case 'logged-models':
      return withQuery(`/experiments/${segment(route.experimentId)}/logged-models`, route.query);
    case 'logged-model':
      return withQuery(
        `/experiments/${segment(route.experimentId)}/logged-models/${segment(route.modelId)}`,
        route.query,
      );
    case 'models':
      return withQuery('/models', route.query);
    case 'model':
      return withQuery(`/models/${segment(route.name)}`, route.query);
    case 'model-version':
      return withQuery(`/models/${segment(route.name)}/versions/${segment(route.version)}`, route.query);
    case 'monitoring':
      return withQuery(`/models/${segment(route.name)}/monitoring`, route.query);
    case 'alerts':
      return withQuery('/alerts', route.query);
    case 'pipelines':
      return withQuery('/pipelines', route.query);
    case 'pipeline':
      return withQuery(`/pipelines/${segment(route.name)}`, route.query);
    case 'pipeline-runs':
      return withQuery('/pipeline-runs', route.query);
    case 'pipeline-run':
      return withQuery(`/pipeline-runs/${segment(route.runId)}`, route.query);
    case 'sign-in':
      return withQuery('/sign-in', route.query);
    case 'admin':
      return withQuery(`/admin/${route.section}`, route.query);
    case 'not-found':
      return `#${route.path}`;
  }
}

/** Shorthands for links. */
export const hrefs = {
  experiments: (): string => routeHref({ page: 'experiments', query: new URLSearchParams() }),
  experiment: (experimentId: string): string =>
    routeHref({ page: 'runs', experimentId, query: new URLSearchParams() }),
  run: (experimentId: string, runId: string): string =>
    routeHref({ page: 'run', experimentId, runId, query: new URLSearchParams() }),
  models: (): string => routeHref({ page: 'models', query: new URLSearchParams() }),
  model: (name: string): string => routeHref({ page: 'model', name, query: new URLSearchParams() }),
  modelVersion: (name: string, version: string): string =>
    routeHref({ page: 'model-version', name, version, query: new URLSearchParams() }),
  /** The sign-in page, returning to `next` (a `#/...` href) once signed in. */
  signIn: (next?: string): string =>
    routeHref({ page: 'sign-in', query: new URLSearchParams(next === undefined ? {} : { next }) }),
  admin: (section: AdminSection): string =>
    routeHref({ page: 'admin', section, query: new URLSearchParams() }),
  /** One runs table of several experiments (`#/runs?experiments=1,2`): the experiments page's selection. */
  experimentsRuns: (experimentIds: readonly string[]): string =>
    routeHref({
      page: 'experiments-runs',
      query: new URLSearchParams({ experiments: experimentIds.join(',') }),
    }),
  /** The compare view of these runs (`#/compare?runs=a,b,c`): what the runs table's selection opens. */
  compare: (runIds: string[]): string =>
    routeHref({ page: 'compare', query: new URLSearchParams({ runs: runIds.join(',') }) }),
  /** Metric charts of these runs (`#/charts?runs=a,b&metrics=loss`). */
  charts: (runIds: string[], metrics: string[] = []): string => {
    const query = new URLSearchParams({ runs: runIds.join(',') });
    if (metrics.length > 0) query.set('metrics', metrics.join(','));
    return routeHref({ page: 'charts', query });
  },
  /** A model's monitoring page, with a monitor and one of its windows selected. */
  monitoring: (name: string, monitorId?: string, resultId?: string): string => {
    const query = new URLSearchParams();
    if (monitorId !== undefined) query.set('monitor', monitorId);
    if (resultId !== undefined) query.set('result', resultId);
    return routeHref({ page: 'monitoring', name, query });
  },
  /** Every monitoring alert the user may read. */
  alerts: (): string => routeHref({ page: 'alerts', query: new URLSearchParams() }),
  /** Every pipeline the user may read (`#/pipelines`). */
  pipelines: (): string => routeHref({ page: 'pipelines', query: new URLSearchParams() }),
  /** A pipeline's page (`#/pipelines/<name>?version=<n>`): its steps, DAG, plan and Run. */
  pipeline: (name: string, version?: number): string =>
    routeHref({
      page: 'pipeline',
      name,
      query: new URLSearchParams(version === undefined ? {} : { version: String(version) }),
    }),
  /** Pipeline runs, filtered by pipeline and status (`#/pipeline-runs?pipeline=x&status=failed`). */
  pipelineRuns: (filter: { pipeline?: string; status?: string } = {}): string => {
    const query = new URLSearchParams();
    if (filter.pipeline !== undefined) query.set('pipeline', filter.pipeline);
    if (filter.status !== undefined) query.set('status', filter.status);
    return routeHref({ page: 'pipeline-runs', query });
  },
  /** A pipeline run, with a step (and fan-out item) selected for its logs. */
  pipelineRun: (runId: string, step?: string, item?: number | null): string => {
    const query = new URLSearchParams();
    if (step !== undefined) query.set('step', step);
    if (item !== undefined && item !== null) query.set('item', String(item));
    return routeHref({ page: 'pipeline-run', runId, query });
  },
  loggedModels: (experimentId: string): string =>
    routeHref({ page: 'logged-models', experimentId, query: new URLSearchParams() }),
  loggedModel: (experimentId: string, modelId: string): string =>
    routeHref({ page: 'logged-model', experimentId, modelId, query: new URLSearchParams() }),
};
