import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { AuthProvider, useAuth } from './auth/auth-context';
import { Loading } from './components/status';
import { Layout } from './components/layout';
import { ExperimentsPage } from './pages/experiments/experiments-page';
import { ChartsPage } from './pages/charts/charts-page';
import { ComparePage } from './pages/compare/compare-page';
import { LoggedModelPage } from './pages/logged-models/logged-model-page';
import { LoggedModelsPage } from './pages/logged-models/logged-models-page';
import { ModelPage } from './pages/registry/model-page';
import { ModelsPage } from './pages/registry/models-page';
import { VersionPage } from './pages/registry/version-page';
import { RunPage } from './pages/run/run-page';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { RunsPage } from './pages/runs/runs-page';
import { MultiRunsPage } from './pages/runs/multi-runs-page';
import { hrefs, type Route } from './router/routes';
import { useRoute } from './router/use-route';

/** The administration pages, in their own chunk: most users never open them. */
const AdminPage = lazy(() => import('./pages/admin/admin-page'));
/** Monitoring pages, in their own chunk. */
const MonitoringPage = lazy(() => import('./pages/monitoring/monitoring-page'));
const AlertsPage = lazy(() => import('./pages/monitoring/alerts-page'));
/** Pipelines pages, in their own chunk. */
const PipelinesPage = lazy(() => import('./pages/pipelines/pipelines-page'));
const PipelinePage = lazy(() => import('./pages/pipelines/pipeline-page'));
const PipelineRunsPage = lazy(() => import('./pages/pipelines/pipeline-runs-page'));
const PipelineRunPage = lazy(() => import('./pages/pipelines/pipeline-run-page'));

/** The page of a route. The switch is exhaustive: a new Route member does not compile until it has a page. */
function pageOf(route: Route): ReactNode {
  switch (route.page) {
    case 'experiments':
      return <ExperimentsPage query={route.query} />;
    case 'runs':
      return <RunsPage key={route.experimentId} experimentId={route.experimentId} query={route.query} />;
    case 'run':
      return (
        <RunPage
          key={route.runId}
          experimentId={route.experimentId}
          runId={route.runId}
          query={route.query}
        />
      );
    case 'experiments-runs':
      return <MultiRunsPage query={route.query} />;
    case 'compare':
      return <ComparePage query={route.query} />;
    case 'charts':
      return <ChartsPage query={route.query} />;
    case 'logged-models':
      return <LoggedModelsPage key={route.experimentId} experimentId={route.experimentId} />;
    case 'logged-model':
      return (
        <LoggedModelPage
          key={route.modelId}
          experimentId={route.experimentId}
          modelId={route.modelId}
          query={route.query}
        />
      );
    case 'models':
      return <ModelsPage query={route.query} />;
    case 'model':
      return <ModelPage key={route.name} name={route.name} />;
    case 'model-version':
      return <VersionPage key={`${route.name}/${route.version}`} name={route.name} version={route.version} />;
    case 'monitoring':
      return (
        <Suspense fallback={<Loading what="monitoring" />}>
          <MonitoringPage key={route.name} name={route.name} query={route.query} />
        </Suspense>
      );
    case 'alerts':
      return (
        <Suspense fallback={<Loading what="alerts" />}>
          <AlertsPage query={route.query} />
        </Suspense>
      );
    case 'pipelines':
      return (
        <Suspense fallback={<Loading what="pipelines" />}>
          <PipelinesPage />
        </Suspense>
      );
    case 'pipeline':
      return (
        <Suspense fallback={<Loading what="pipeline" />}>
          <PipelinePage key={route.name} name={route.name} query={route.query} />
        </Suspense>
      );
    case 'pipeline-runs':
      return (
        <Suspense fallback={<Loading what="pipeline runs" />}>
          <PipelineRunsPage query={route.query} />
        </Suspense>
      );
    case 'pipeline-run':
      return (
        <Suspense fallback={<Loading what="pipeline run" />}>
          <PipelineRunPage key={route.runId} runId={route.runId} query={route.query} />
        </Suspense>
      );
    case 'sign-in':
      return <SignInPage next={route.query.get('next') ?? undefined} />;
    case 'admin':
      return (
        <Suspense fallback={<Loading what="administration" />}>
          <AdminPage section={route.section} query={route.query} />
        </Suspense>
      );
    case 'not-found':
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>#{route.path}</code>.{' '}
            <a href={hrefs.experiments()}>Go to the experiments</a>.
          </p>
        </section>
      );
  }
}

function titleOf(route: Route): string {
  switch (route.page) {
    case 'experiments':
      return 'Experiments';
    case 'runs':
      return `Experiment ${route.experimentId}`;
    case 'run':
      return `Run ${route.runId}`;
    case 'experiments-runs':
      return 'Runs of several experiments';
    case 'compare':
      return 'Compare runs';
    case 'charts':
      return 'Metric charts';
    case 'logged-models':
      return `Logged models of experiment ${route.experimentId}`;
    case 'logged-model':
      return `Logged model ${route.modelId}`;
    case 'models':
      return 'Registered models';
    case 'model':
      return `Model ${route.name}`;
    case 'model-version':
      return `Model ${route.name} version ${route.version}`;
    case 'monitoring':
      return `Monitoring of ${route.name}`;
    case 'alerts':
      return 'Monitoring alerts';
    case 'pipelines':
      return 'Pipelines';
    case 'pipeline':
      return `Pipeline ${route.name}`;
    case 'pipeline-runs':
      return 'Pipeline runs';
    case 'pipeline-run':
      return `Pipeline run ${route.runId}`;
    case 'sign-in':
      return 'Sign in';
    case 'admin':
      return `Administration: ${route.section}`;
    case 'not-found':
      return 'Not found';
  }
}

/** The whole UI: the route from the location hash, in the common layout, once the server said who we are. */
export function App(): ReactNode {
  return (
    <AuthProvider>
      <RoutedApp />
    </AuthProvider>
  );
}

/**
 * With authentication on and nobody signed in, every page shows the sign-in form in place (its URL kept, so
 * the page asked for opens once signed in).
 */
function RoutedApp(): ReactNode {
  const route = useRoute();
  const { state } = useAuth();
  const signedOut = state.status === 'signed-out';
  const title = signedOut ? 'Sign in' : titleOf(route);
  useEffect(() => {
    document.title = `${title} · Bosun`;
  }, [title]);
  return (
    <Layout>
      {state.status === 'loading' && <Loading what="Bosun" />}
      {state.status === 'error' && pageOf(route)}
      {state.status === 'signed-in' && pageOf(route)}
      {signedOut && (
        <SignInPage
          next={route.page === 'sign-in' ? (route.query.get('next') ?? undefined) : window.location.hash}
        />
      )}
    </Layout>
  );
}
