import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { ArtifactReader, readArtifactText, type ArtifactSource } from '../../api/artifacts';
import { useAsync } from '../use-async';
import { ErrorMessage, Loading } from '../status';
import { parseDelimited } from './delimited';
import { formatBytes, imageType } from './preview-kind';

/** Files read whole for a structured preview are capped; a larger one shows its size and a download link. */
export const wholeFileLimit = 5 * 1024 * 1024;
const tableRowLimit = 1000;

const key = (source: ArtifactSource): string => (source.kind === 'run' ? source.runId : source.modelId);

/** JSON, indented two spaces; a file that does not parse is shown as it is, with the parser's message. */
export function JsonPreview({ source, path }: { source: ArtifactSource; path: string }): ReactNode {
  const [state] = useAsync(
    (signal) => readArtifactText(source, path, wholeFileLimit, signal),
    [key(source), path],
  );
  if (state.status === 'loading') return <Loading what={path} />;
  if (state.status === 'error')
    return <ErrorMessage title={`Could not read ${path}`} message={state.message} />;
  let pretty: string;
  let problem: string | undefined;
  try {
    pretty = JSON.stringify(JSON.parse(state.value), null, 2);
  } catch (error) {
    pretty = state.value;
    problem = `Not valid JSON (${errorMessage(error)}); shown as text.`;
  }
  return <Pretty path={path} text={pretty} problem={problem} />;
}

/** YAML, re-printed in a regular layout by the `yaml` library (loaded only when a YAML file is opened). */
export function YamlPreview({ source, path }: { source: ArtifactSource; path: string }): ReactNode {
  const [state] = useAsync(
    async (signal) => {
      const [text, yaml] = await Promise.all([
        readArtifactText(source, path, wholeFileLimit, signal),
        import('yaml'),
      ]);
      try {
        return { text: yaml.stringify(yaml.parse(text)).trimEnd(), problem: undefined };
      } catch (error) {
        return { text, problem: `Not valid YAML (${errorMessage(error)}); shown as text.` };
      }
    },
    [key(source), path],
  );
  if (state.status === 'loading') return <Loading what={path} />;
  if (state.status === 'error')
    return <ErrorMessage title={`Could not read ${path}`} message={state.message} />;
  return <Pretty path={path} text={state.value.text} problem={state.value.problem} />;
}

function Pretty({
  path,
  text,
  problem,
}: {
  path: string;
  text: string;
  problem: string | undefined;
}): ReactNode {
  return (
    <>
      {problem !== undefined && <p className="muted">{problem}</p>}
      <pre className="preview-text" tabIndex={0} aria-label={`Contents of ${path}`}>
        {text}
      </pre>
    </>
  );
}

/** CSV or TSV as a table: the first row as the header, at most 1,000 rows (of the file's first 5 MB). */
export function TablePreview({
  source,
  path,
  separator,
}: {
  source: ArtifactSource;
  path: string;
  separator: ',' | '\t';
}): ReactNode {
  const [state] = useAsync(
    async (signal) => {
      const reader = await ArtifactReader.open(source, path, signal);
      const bytes = await reader.read(wholeFileLimit);
      const complete = reader.done;
      reader.cancel();
      return { text: new TextDecoder().decode(bytes), complete };
    },
    [key(source), path],
  );
  if (state.status === 'loading') return <Loading what={path} />;
  if (state.status === 'error')
    return <ErrorMessage title={`Could not read ${path}`} message={state.message} />;
  const { rows, truncated } = parseDelimited(state.value.text, separator, tableRowLimit + 1);
  const [header = [], ...body] = rows;
  const shown = body.slice(0, tableRowLimit);
  const partial = truncated || !state.value.complete || body.length > tableRowLimit;
  return (
    <div className="table-preview">
      <p className="muted" role="status">
        {shown.length} rows × {header.length} columns{partial ? ' (the first rows of the file)' : ''}
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`Table ${path}`}>
        <table className="data-table">
          <thead>
            <tr>
              {header.map((h, i) => (
                <th key={i} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, r) => (
              <tr key={r}>
                {header.map((_, c) => (
                  <td key={c}>{row[c] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** An image, shown from a blob: URL of its bytes (the server sends artifacts as downloads, never inline). */
export function ImagePreview({
  source,
  path,
  size,
}: {
  source: ArtifactSource;
  path: string;
  size?: number;
}): ReactNode {
  const [url, setUrl] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const limit = 50 * 1024 * 1024;
  useEffect(() => {
    if (size !== undefined && size > limit) return;
    const controller = new AbortController();
    let made: string | undefined;
    ArtifactReader.open(source, path, controller.signal)
      .then(async (reader) => {
        const bytes = await reader.read(limit);
        reader.cancel();
        if (controller.signal.aborted) return;
        made = URL.createObjectURL(new Blob([bytes.slice()], { type: imageType(path) }));
        setUrl(made);
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setProblem(errorMessage(error));
      });
    return () => {
      controller.abort();
      if (made !== undefined) URL.revokeObjectURL(made);
    };
  }, [key(source), path]);
  if (size !== undefined && size > limit) {
    return <p className="empty">Image of {formatBytes(size)}: too large to preview. Use Download.</p>;
  }
  if (problem !== undefined) return <ErrorMessage title={`Could not read ${path}`} message={problem} />;
  if (url === undefined) return <Loading what={path} />;
  return <img className="preview-image" src={url} alt={`Image artifact ${path}`} />;
}

/**
 * An HTML file in an iframe sandboxed with no permission at all (`sandbox=""`): its scripts do not run, it gets a
 * unique opaque origin (no access to the UI's page, cookies or storage), and it cannot submit forms, open popups or
 * navigate the UI. It inherits the UI's Content-Security-Policy too (a srcdoc document does).
 */
export function HtmlPreview({ source, path }: { source: ArtifactSource; path: string }): ReactNode {
  const [state] = useAsync(
    (signal) => readArtifactText(source, path, wholeFileLimit, signal),
    [key(source), path],
  );
  if (state.status === 'loading') return <Loading what={path} />;
  if (state.status === 'error')
    return <ErrorMessage title={`Could not read ${path}`} message={state.message} />;
  return (
    <>
      <p className="muted">Shown sandboxed: scripts in the file do not run.</p>
      <iframe className="preview-html" sandbox="" srcDoc={state.value} title={`HTML artifact ${path}`} />
    </>
  );
}
