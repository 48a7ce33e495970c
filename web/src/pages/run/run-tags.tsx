import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { deleteRunTag, setRunTag } from '../../api/run-details';
import type { Tag } from '../../api/tracking';
import { Empty, ErrorMessage } from '../../components/status';

/**
 * The run's own tags (MLflow's `mlflow.*` system tags hidden) with editing: set a tag (a new key, or a new value
 * for a key) and delete one, through `runs/set-tag` and `runs/delete-tag`; `changed` reloads the run.
 */
export function RunTags({
  runId,
  tags,
  changed,
}: {
  runId: string;
  tags: Tag[];
  changed: () => void;
}): ReactNode {
  const userTags = tags
    .filter((t) => !t.key.startsWith('mlflow.'))
    .sort((a, b) => a.key.localeCompare(b.key));
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  const act = async (what: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setProblem(undefined);
    try {
      await what();
      changed();
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void act(async () => {
      await setRunTag(runId, key.trim(), value);
      setKey('');
      setValue('');
    });
  };
  return (
    <>
      <h2 id="tags-title">Tags ({userTags.length})</h2>
      {userTags.length === 0 ? (
        <Empty>No tags.</Empty>
      ) : (
        <table className="data-table kv" aria-labelledby="tags-title">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {userTags.map((t) => (
              <tr key={t.key}>
                <th scope="row">{t.key}</th>
                <td className="value">{t.value}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    aria-label={`Delete tag ${t.key}`}
                    onClick={() => void act(() => deleteRunTag(runId, t.key))}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form tag-form" onSubmit={submit} aria-label="Set a tag">
        <label>
          Key <input value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <label>
          Value <input value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" disabled={busy || key.trim() === ''}>
          Set tag
        </button>
      </form>
      {problem !== undefined && <ErrorMessage title="The tag was not changed" message={problem} />}
    </>
  );
}
