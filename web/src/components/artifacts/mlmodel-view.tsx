import type { ReactNode } from 'react';
import { readArtifactText, type ArtifactSource } from '../../api/artifacts';
import { ErrorMessage, Loading } from '../status';
import { useAsync } from '../use-async';
import { wholeFileLimit } from './structured-previews';

/** One column of a model signature (MLflow's column-based or tensor-based spec). */
interface SignatureColumn {
  name: string;
  type: string;
  required: boolean;
}

/** What the page shows of an MLmodel file. */
export interface MlmodelSummary {
  flavors: { name: string; details: [string, string][] }[];
  facts: [string, string][];
  inputs?: SignatureColumn[];
  outputs?: SignatureColumn[];
  params?: SignatureColumn[];
  exampleFile?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A signature field is a JSON string of column specs inside the YAML. */
function columns(raw: unknown): SignatureColumn[] | undefined {
  if (typeof raw !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  return parsed.map((c: unknown, i): SignatureColumn => {
    const o = isRecord(c) ? c : {};
    const type =
      o.type === 'tensor' && isRecord(o['tensor-spec'])
        ? `tensor ${scalar(o['tensor-spec'].dtype) ?? ''} ${JSON.stringify(o['tensor-spec'].shape ?? [])}`
        : (scalar(o.type) ?? JSON.stringify(o.type ?? null));
    return { name: scalar(o.name) ?? `#${i}`, type: type.trim(), required: o.required !== false };
  });
}

/** Reads the parsed YAML of an MLmodel file into what the page shows. */
export function summarizeMlmodel(doc: unknown): MlmodelSummary {
  const o = isRecord(doc) ? doc : {};
  const flavors = isRecord(o.flavors)
    ? Object.entries(o.flavors).map(([name, settings]) => ({
        name,
        details: isRecord(settings)
          ? Object.entries(settings).flatMap(([k, v]): [string, string][] => {
              const s = scalar(v);
              return s === undefined ? [] : [[k, s]];
            })
          : [],
      }))
    : [];
  const facts: [string, string][] = [];
  for (const k of [
    'model_uuid',
    'model_id',
    'run_id',
    'artifact_path',
    'mlflow_version',
    'utc_time_created',
  ]) {
    const s = scalar(o[k]);
    if (s !== undefined) facts.push([k, s]);
  }
  const summary: MlmodelSummary = { flavors, facts };
  if (isRecord(o.signature)) {
    const inputs = columns(o.signature.inputs);
    const outputs = columns(o.signature.outputs);
    const params = columns(o.signature.params);
    if (inputs !== undefined) summary.inputs = inputs;
    if (outputs !== undefined) summary.outputs = outputs;
    if (params !== undefined) summary.params = params;
  }
  if (isRecord(o.saved_input_example_info)) {
    const file = scalar(o.saved_input_example_info.artifact_path);
    if (file !== undefined) summary.exampleFile = file;
  }
  return summary;
}

const folderOf = (path: string): string =>
  path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';

/** An MLmodel file rendered: flavors (with their settings), the signature's inputs and outputs, the input example. */
export function MlmodelView({ source, path }: { source: ArtifactSource; path: string }): ReactNode {
  const [state] = useAsync(
    async (signal) => {
      const [text, yaml] = await Promise.all([
        readArtifactText(source, path, wholeFileLimit, signal),
        import('yaml'),
      ]);
      const summary = summarizeMlmodel(yaml.parse(text));
      let example: unknown;
      if (summary.exampleFile !== undefined) {
        try {
          example = JSON.parse(
            await readArtifactText(source, folderOf(path) + summary.exampleFile, wholeFileLimit, signal),
          );
        } catch {
          example = undefined;
        }
      }
      return { summary, example };
    },
    [source.kind === 'run' ? source.runId : source.modelId, path],
  );
  if (state.status === 'loading') return <Loading what={path} />;
  if (state.status === 'error')
    return <ErrorMessage title={`Could not read ${path}`} message={state.message} />;
  const { summary, example } = state.value;
  return (
    <div className="mlmodel">
      <h3 id="mlmodel-flavors">Flavors ({summary.flavors.length})</h3>
      <table className="data-table" aria-labelledby="mlmodel-flavors">
        <thead>
          <tr>
            <th scope="col">Flavor</th>
            <th scope="col">Settings</th>
          </tr>
        </thead>
        <tbody>
          {summary.flavors.map((f) => (
            <tr key={f.name}>
              <th scope="row">{f.name}</th>
              <td>{f.details.map(([k, v]) => `${k}: ${v}`).join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary.facts.length > 0 && (
        <dl className="facts" aria-label="Model facts">
          {summary.facts.map(([k, v]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd className="mono">{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3 id="mlmodel-signature">Signature</h3>
      {summary.inputs === undefined && summary.outputs === undefined ? (
        <p className="empty">No signature.</p>
      ) : (
        <>
          <SignatureTable id="mlmodel-inputs" title="Inputs" rows={summary.inputs} />
          <SignatureTable id="mlmodel-outputs" title="Outputs" rows={summary.outputs} />
          {summary.params !== undefined && (
            <SignatureTable id="mlmodel-params" title="Params" rows={summary.params} />
          )}
        </>
      )}
      <h3 id="mlmodel-example">Input example</h3>
      <InputExample example={example} file={summary.exampleFile} />
    </div>
  );
}

function SignatureTable({
  id,
  title,
  rows,
}: {
  id: string;
  title: string;
  rows: SignatureColumn[] | undefined;
}): ReactNode {
  if (rows === undefined) return null;
  return (
    <table className="data-table" aria-labelledby={id}>
      <caption id={id}>
        {title} ({rows.length})
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Required</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.name}</th>
            <td>{r.type}</td>
            <td>{r.required ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function InputExample({ example, file }: { example: unknown; file: string | undefined }): ReactNode {
  if (file === undefined) return <p className="empty">No input example.</p>;
  if (example === undefined) return <p className="empty">The input example ({file}) could not be read.</p>;
  // pandas "split" orient: {columns: [...], data: [[...], ...]}
  if (isRecord(example) && Array.isArray(example.columns) && Array.isArray(example.data)) {
    const cols = example.columns.map((c) => String(c));
    return (
      <table className="data-table" aria-labelledby="mlmodel-example">
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {example.data.map((row, r) => (
            <tr key={r}>
              {cols.map((c, i) => (
                <td key={c} className="num">
                  {Array.isArray(row) ? String(row[i] ?? '') : ''}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <pre className="preview-text" tabIndex={0} aria-label="Input example">
      {JSON.stringify(example, null, 2)}
    </pre>
  );
}
