import { useEffect, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { ArtifactReader, type ArtifactSource } from '../../api/artifacts';
import { ErrorMessage, Loading } from '../status';
import { formatBytes } from './preview-kind';

/** Bytes read per chunk of a text preview: the first screenful of a 2 GB log costs 256 KB. */
export const textChunkBytes = 256 * 1024;

type State =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'binary' }
  | { status: 'ok'; text: string; shown: number; done: boolean; more: boolean };

/**
 * A text file or log, read as a stream a chunk at a time: the first 256 KB at once, the next on "Show more";
 * the rest of the file is not downloaded until asked for (the reader stays open; leaving cancels it).
 * A file with NUL bytes in its first chunk is called binary and only offered for download.
 */
export function TextPreview({
  source,
  path,
  size,
}: {
  source: ArtifactSource;
  path: string;
  size?: number;
}): ReactNode {
  const [state, setState] = useState<State>({ status: 'loading' });
  const reader = useRef<ArtifactReader | undefined>(undefined);
  const decoder = useRef(new TextDecoder());

  const readChunk = async (r: ArtifactReader, before: string): Promise<void> => {
    const bytes = await r.read(textChunkBytes);
    if (before === '' && bytes.includes(0)) {
      r.cancel();
      setState({ status: 'binary' });
      return;
    }
    const text = before + decoder.current.decode(bytes, { stream: !r.done });
    setState({ status: 'ok', text, shown: r.offset, done: r.done, more: false });
  };

  useEffect(() => {
    const controller = new AbortController();
    decoder.current = new TextDecoder();
    setState({ status: 'loading' });
    ArtifactReader.open(source, path, controller.signal)
      .then(async (r) => {
        reader.current = r;
        await readChunk(r, '');
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: errorMessage(error) });
      });
    return () => {
      controller.abort();
      reader.current?.cancel();
      reader.current = undefined;
    };
    // One reader per file.
  }, [source.kind === 'run' ? source.runId : source.modelId, path]);

  if (state.status === 'loading') return <Loading what={path} />;
  if (state.status === 'error')
    return <ErrorMessage title={`Could not read ${path}`} message={state.message} />;
  if (state.status === 'binary') return <p className="empty">Binary file: no preview. Use Download.</p>;
  const total = size ?? reader.current?.size;
  const showMore = (): void => {
    const r = reader.current;
    if (r === undefined) return;
    setState({ ...state, more: true });
    readChunk(r, state.text).catch((error: unknown) =>
      setState({ status: 'error', message: errorMessage(error) }),
    );
  };
  return (
    <div className="text-preview">
      <p className="muted preview-extent" role="status">
        {state.done
          ? `Whole file shown (${formatBytes(state.shown)}).`
          : `Showing the first ${formatBytes(state.shown)}${total === undefined ? '' : ` of ${formatBytes(total)}`}.`}
      </p>
      <pre className="preview-text" tabIndex={0} aria-label={`Contents of ${path}`}>
        {state.text}
      </pre>
      {!state.done && (
        <button type="button" onClick={showMore} disabled={state.more}>
          Show more (next {formatBytes(textChunkBytes)})
        </button>
      )}
    </div>
  );
}
