import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { deleteRuns, restoreRuns, tagRuns } from '../../api/run-actions';
import { ErrorMessage } from '../../components/status';

/**
 * What can be done to the selected runs: delete, restore, set a tag. Shown while runs are selected; when the
 * action is done, `onDone` reloads the table (and clears the selection).
 */
export function BulkActions({
  selected,
  onDone,
}: {
  selected: readonly string[];
  onDone: () => void;
}): ReactNode {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const run = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const onTag = (event: FormEvent): void => {
    event.preventDefault();
    void run(() => tagRuns(selected, key.trim(), value));
  };
  const count = `${selected.length} run${selected.length === 1 ? '' : 's'}`;
  return (
    <div className="bulk-bar" role="region" aria-label="Selected runs">
      <strong>{count} selected</strong>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          if (window.confirm(`Delete ${count}? They can be restored.`)) void run(() => deleteRuns(selected));
        }}
      >
        Delete
      </button>
      <button type="button" disabled={busy} onClick={() => void run(() => restoreRuns(selected))}>
        Restore
      </button>
      <form className="inline-form" onSubmit={onTag} aria-label="Tag selected runs">
        <label htmlFor="bulk-tag-key">Tag</label>
        <input
          id="bulk-tag-key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="key"
          required
        />
        <label htmlFor="bulk-tag-value" className="visually-hidden">
          Tag value
        </label>
        <input
          id="bulk-tag-value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="value"
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          Set tag
        </button>
      </form>
      {error !== undefined && <ErrorMessage message={error} />}
    </div>
  );
}
