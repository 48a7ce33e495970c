import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { deleteExperimentTag, descriptionTag, setExperimentTag, type Experiment } from '../../api/tracking';
import { ErrorMessage } from '../../components/status';

/**
 * An experiment's description (the `mlflow.note.content` tag, shown as plain text: nothing in it is ever
 * interpreted as HTML) and its tags (MLflow's `mlflow.*` system tags hidden), both editable.
 */
export function ExperimentAbout({
  experiment,
  onChanged,
}: {
  experiment: Experiment;
  onChanged: () => void;
}): ReactNode {
  const id = experiment.experimentId;
  const description = experiment.tags.find((t) => t.key === descriptionTag)?.value ?? '';
  const tags = experiment.tags
    .filter((t) => !t.key.startsWith('mlflow.'))
    .sort((a, b) => a.key.localeCompare(b.key));
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(description);
  const [tagKey, setTagKey] = useState('');
  const [tagValue, setTagValue] = useState('');
  const [error, setError] = useState<string>();

  const act = async (action: () => Promise<void>): Promise<boolean> => {
    setError(undefined);
    try {
      await action();
      onChanged();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    }
  };
  const saveDescription = (event: FormEvent): void => {
    event.preventDefault();
    void act(() => setExperimentTag(id, descriptionTag, draft)).then((ok) => ok && setEditing(false));
  };
  const addTag = (event: FormEvent): void => {
    event.preventDefault();
    void act(() => setExperimentTag(id, tagKey.trim(), tagValue)).then((ok) => {
      if (ok) {
        setTagKey('');
        setTagValue('');
      }
    });
  };

  return (
    <div className="about">
      {editing ? (
        <form onSubmit={saveDescription} className="description-form">
          <label htmlFor="experiment-description">Description</label>
          <textarea
            id="experiment-description"
            rows={4}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <div>
            <button type="submit">Save description</button>{' '}
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="description-view">
          {description === '' ? (
            <p className="muted">No description.</p>
          ) : (
            <p className="description" aria-label="Description">
              {description}
            </p>
          )}
          <button
            type="button"
            onClick={() => {
              setDraft(description);
              setEditing(true);
            }}
          >
            Edit description
          </button>
        </div>
      )}
      <ul className="tag-list" aria-label="Experiment tags">
        {tags.map((tag) => (
          <li key={tag.key} className="tag">
            <span className="tag-key">{tag.key}</span>: <span>{tag.value}</span>
            <button
              type="button"
              className="tag-remove"
              aria-label={`Remove tag ${tag.key}`}
              onClick={() => void act(() => deleteExperimentTag(id, tag.key))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={addTag} aria-label="Add experiment tag">
        <label htmlFor="tag-key">Tag</label>
        <input
          id="tag-key"
          value={tagKey}
          onChange={(e) => setTagKey(e.target.value)}
          placeholder="key"
          required
        />
        <label htmlFor="tag-value" className="visually-hidden">
          Value
        </label>
        <input
          id="tag-value"
          value={tagValue}
          onChange={(e) => setTagValue(e.target.value)}
          placeholder="value"
        />
        <button type="submit" disabled={tagKey.trim() === ''}>
          Add tag
        </button>
      </form>
      {error !== undefined && <ErrorMessage message={error} />}
    </div>
  );
}
