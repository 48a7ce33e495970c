import { useState, type FormEvent, type ReactNode } from 'react';
import type { Tag } from '../../api/tracking';
import { Empty } from '../../components/status';

/**
 * A table of tags with "remove" buttons and a form to set one, for registered models and versions.
 * `onSet`/`onRemove` call the server; their errors are shown by the caller.
 */
export function TagsEditor({
  id,
  tags,
  editable,
  onSet,
  onRemove,
}: {
  id: string;
  tags: Tag[];
  editable: boolean;
  onSet: (key: string, value: string) => Promise<void>;
  onRemove: (key: string) => Promise<void>;
}): ReactNode {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const visible = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void onSet(key.trim(), value).then(() => {
      setKey('');
      setValue('');
    });
  };
  return (
    <>
      {visible.length === 0 ? (
        <Empty>No tags.</Empty>
      ) : (
        <table className="data-table kv" aria-labelledby={id}>
          <tbody>
            {visible.map((t) => (
              <tr key={t.key}>
                <th scope="row">{t.key}</th>
                <td>{t.value}</td>
                {editable && (
                  <td className="actions">
                    <button type="button" onClick={() => void onRemove(t.key)}>
                      Remove<span className="visually-hidden"> tag {t.key}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable && (
        <form className="inline-form" onSubmit={onSubmit} aria-label="Set a tag">
          <label htmlFor={`${id}-key`}>Key</label>
          <input id={`${id}-key`} value={key} onChange={(e) => setKey(e.target.value)} required />
          <label htmlFor={`${id}-value`}>Value</label>
          <input id={`${id}-value`} value={value} onChange={(e) => setValue(e.target.value)} />
          <button type="submit">Set tag</button>
        </form>
      )}
    </>
  );
}

/** A description shown as plain text (never as HTML), with an edit form for users who may write. */
export function DescriptionEditor({
  id,
  description,
  editable,
  onSave,
}: {
  id: string;
  description: string;
  editable: boolean;
  onSave: (text: string) => Promise<void>;
}): ReactNode {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(description);
  if (editing) {
    return (
      <form
        className="description-form"
        onSubmit={(e) => {
          e.preventDefault();
          void onSave(draft).then(() => setEditing(false));
        }}
      >
        <label htmlFor={`${id}-text`} className="visually-hidden">
          Description
        </label>
        <textarea id={`${id}-text`} rows={4} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <div>
          <button type="submit">Save description</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      </form>
    );
  }
  return (
    <div className="description-view">
      {description === '' ? (
        <p className="muted">No description.</p>
      ) : (
        <p className="description">{description}</p>
      )}
      {editable && (
        <button
          type="button"
          onClick={() => {
            setDraft(description);
            setEditing(true);
          }}
        >
          Edit description
        </button>
      )}
    </div>
  );
}
