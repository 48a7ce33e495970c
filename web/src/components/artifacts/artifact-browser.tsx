import { useState, type ReactNode } from 'react';
import { artifactUrl, listArtifacts, type ArtifactEntry, type ArtifactSource } from '../../api/artifacts';
import { Empty, ErrorMessage, Loading } from '../status';
import { useAsync } from '../use-async';
import { MlmodelView } from './mlmodel-view';
import { formatBytes, previewKind } from './preview-kind';
import { HtmlPreview, ImagePreview, JsonPreview, TablePreview, YamlPreview } from './structured-previews';
import { TextPreview } from './text-preview';
import './artifacts.css';

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/**
 * The artifacts of a run or a logged model: a folder tree (each folder listed through the API when opened) and a
 * preview of the chosen file. The chosen file is part of the page's URL (`selected`, kept by the page), so a link
 * opens the same preview; the folders leading to it open by themselves.
 */
export function ArtifactBrowser({
  source,
  selected,
  onSelect,
}: {
  source: ArtifactSource;
  selected: string | undefined;
  onSelect: (path: string) => void;
}): ReactNode {
  const [sizes, setSizes] = useState<Record<string, number>>({});
  const remember = (entries: ArtifactEntry[]): void => {
    const known: Record<string, number> = {};
    for (const e of entries) if (e.size !== undefined) known[e.path] = e.size;
    setSizes((s) => ({ ...s, ...known }));
  };
  return (
    <div className="artifact-browser">
      <nav className="artifact-tree" aria-label="Artifact files">
        <Folder source={source} path="" selected={selected} onSelect={onSelect} onListed={remember} root />
      </nav>
      <div className="artifact-preview">
        {selected === undefined ? (
          <Empty>Choose a file to preview it.</Empty>
        ) : (
          <Preview key={selected} source={source} path={selected} size={sizes[selected]} />
        )}
      </div>
    </div>
  );
}

function Folder({
  source,
  path,
  selected,
  onSelect,
  onListed,
  root = false,
}: {
  source: ArtifactSource;
  path: string;
  selected: string | undefined;
  onSelect: (path: string) => void;
  onListed: (entries: ArtifactEntry[]) => void;
  root?: boolean;
}): ReactNode {
  const [state] = useAsync(
    async (signal) => {
      const entries = await listArtifacts(source, path, signal);
      onListed(entries);
      return entries;
    },
    [source.kind === 'run' ? source.runId : source.modelId, path],
  );
  if (state.status === 'loading') return <Loading what={root ? 'artifacts' : path} />;
  if (state.status === 'error')
    return <ErrorMessage title="Could not list the artifacts" message={state.message} />;
  if (state.value.length === 0) return <Empty>{root ? 'No artifacts.' : 'Empty folder.'}</Empty>;
  return (
    <ul className={root ? 'tree-root' : 'tree-folder'}>
      {state.value.map((entry) =>
        entry.isDir ? (
          <FolderItem
            key={entry.path}
            source={source}
            entry={entry}
            selected={selected}
            onSelect={onSelect}
            onListed={onListed}
          />
        ) : (
          <li key={entry.path}>
            <button
              type="button"
              className="tree-file"
              aria-current={selected === entry.path ? 'true' : undefined}
              onClick={() => onSelect(entry.path)}
            >
              {baseName(entry.path)}
            </button>
            {entry.size !== undefined && <span className="muted tree-size">{formatBytes(entry.size)}</span>}
          </li>
        ),
      )}
    </ul>
  );
}

function FolderItem({
  source,
  entry,
  selected,
  onSelect,
  onListed,
}: {
  source: ArtifactSource;
  entry: ArtifactEntry;
  selected: string | undefined;
  onSelect: (path: string) => void;
  onListed: (entries: ArtifactEntry[]) => void;
}): ReactNode {
  const [open, setOpen] = useState(selected?.startsWith(`${entry.path}/`) === true);
  return (
    <li>
      <button type="button" className="tree-dir" aria-expanded={open} onClick={() => setOpen(!open)}>
        {baseName(entry.path)}/
      </button>
      {open && (
        <Folder
          source={source}
          path={entry.path}
          selected={selected}
          onSelect={onSelect}
          onListed={onListed}
        />
      )}
    </li>
  );
}

function Preview({
  source,
  path,
  size,
}: {
  source: ArtifactSource;
  path: string;
  size: number | undefined;
}): ReactNode {
  const kind = previewKind(path);
  return (
    <section aria-labelledby="preview-title">
      <div className="preview-head">
        <h3 id="preview-title" className="mono">
          {path}
        </h3>
        {size !== undefined && <span className="muted">{formatBytes(size)}</span>}
        <a href={artifactUrl(source, path)} download={baseName(path)}>
          Download
        </a>
      </div>
      {previewOf(kind, source, path, size)}
    </section>
  );
}

function previewOf(
  kind: ReturnType<typeof previewKind>,
  source: ArtifactSource,
  path: string,
  size: number | undefined,
): ReactNode {
  const sized = size === undefined ? {} : { size };
  switch (kind) {
    case 'mlmodel':
      return <MlmodelView source={source} path={path} />;
    case 'json':
      return <JsonPreview source={source} path={path} />;
    case 'yaml':
      return <YamlPreview source={source} path={path} />;
    case 'csv':
      return <TablePreview source={source} path={path} separator="," />;
    case 'tsv':
      return <TablePreview source={source} path={path} separator={'\t'} />;
    case 'image':
      return <ImagePreview source={source} path={path} {...sized} />;
    case 'html':
      return <HtmlPreview source={source} path={path} />;
    case 'text':
      return <TextPreview source={source} path={path} {...sized} />;
  }
}
