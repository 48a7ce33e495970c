import { useEffect, type ReactNode } from 'react';
import { Layout } from './components/layout';
import { ExperimentsPage } from './pages/experiments/experiments-page';
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
      return <RunPage key={route.runId} experimentId={route.experimentId} runId={route.runId} />;
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
