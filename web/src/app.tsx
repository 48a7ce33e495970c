import { useEffect, type ReactNode } from 'react';
import { Layout } from './components/layout';
import { ExperimentsPage } from './pages/experiments/experiments-page';
import { ChartsPage } from './pages/charts/charts-page';
import { ComparePage } from './pages/compare/compare-page';
import { LoggedModelPage } from './pages/logged-models/logged-model-page';
import { LoggedModelsPage } from './pages/logged-models/logged-models-page';
import { RunPage } from './pages/run/run-page';
import { RunsPage } from './pages/runs/runs-page';
import { hrefs, type Route } from './router/routes';
import { useRoute } from './router/use-route';

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
    case 'compare':
      return 'Compare runs';
    case 'charts':
      return 'Metric charts';
    case 'logged-models':
      return `Logged models of experiment ${route.experimentId}`;
    case 'logged-model':
      return `Logged model ${route.modelId}`;
    case 'not-found':
      return 'Not found';
  }
}

/** The whole UI: the route from the location hash, in the common layout. */
export function App(): ReactNode {
  const route = useRoute();
  const title = titleOf(route);
  useEffect(() => {
    document.title = `${title} · Bosun`;
  }, [title]);
  return <Layout>{pageOf(route)}</Layout>;
}
