/** What web/e2e/fixtures/populate.py logged through the mlflow client, as the browser tests read it. */
export interface FixtureData {
  runs_experiment: {
    id: string;
    runs: { name: string; id: string; model: string; lr: string; accuracy: number }[];
    failed: { name: string; id: string };
    deleted: { name: string; id: string };
  };
  many_experiment: { id: string; count: number };
  deleted_experiment: { id: string; name: string };
  /** The registry and governance tests' model (issue 11, points 8 and 9): fixtures/populate_registry.py. */
  registry: {
    experiment_id: string;
    model: string;
    /** The same logged models registered as a second model, with the policy, approval and webhook. */
    governed_model: string;
    versions: { version: string; run_id: string; run_name: string; model_id: string; accuracy: number }[];
    approval_id: number;
    webhook: { id: number; url: string; deliveries: number };
  };
  /** The run page, charts, compare and logged-model tests' experiment (issue 11, points 5 to 7). */
  artifacts_experiment: {
    id: string;
    parent: { name: string; id: string };
    children: { name: string; id: string }[];
    steps: number;
    git_commit: string;
    log_lines: number;
    logged_model: { id: string; name: string };
    registered_model: string;
  };
}

/** The shared fixture: one server for every browser test file (see global-setup.ts). */
export interface E2eContext {
  baseUrl: string;
  chromium: string;
  data: FixtureData;
  /** The URLs the mlflow client printed after each run ("View run NAME at: URL"), by run name. */
  printedRunUrls: Record<string, string>;
  /** The experiment URLs it printed ("View experiment at: URL"). */
  printedExperimentUrls: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}
