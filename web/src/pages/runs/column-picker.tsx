import { useState, type ReactNode } from 'react';
import { columnId, type DataColumn } from './run-columns';

/**
 * Chooses the table's columns among the params, latest metrics and tags of the loaded runs (and any column the
 * URL already names). A text box narrows long lists.
 */
export function ColumnPicker(props: {
  available: readonly DataColumn[];
  chosen: readonly DataColumn[];
  onChange: (columns: DataColumn[]) => void;
}): ReactNode {
  const [narrow, setNarrow] = useState('');
  const chosenIds = new Set(props.chosen.map(columnId));
  const all = [...props.available];
  for (const c of props.chosen) if (!all.some((a) => columnId(a) === columnId(c))) all.push(c);
  const shown = all.filter((c) => columnId(c).toLowerCase().includes(narrow.toLowerCase()));
  const toggle = (column: DataColumn, on: boolean): void => {
    const id = columnId(column);
    props.onChange(on ? [...props.chosen, column] : props.chosen.filter((c) => columnId(c) !== id));
  };
  return (
    <details className="column-picker">
      <summary>
        Columns ({props.chosen.length} of {all.length})
      </summary>
      <div className="popover">
        <label className="visually-hidden" htmlFor="column-narrow">
          Find a column
        </label>
        <input
          id="column-narrow"
          type="search"
          placeholder="find a column…"
          value={narrow}
          onChange={(e) => setNarrow(e.target.value)}
        />
        <div className="popover-actions">
          <button type="button" onClick={() => props.onChange(all)}>
            All
          </button>
          <button type="button" onClick={() => props.onChange([])}>
            None
          </button>
        </div>
        <ul className="checklist">
          {shown.map((column) => {
            const id = columnId(column);
            return (
              <li key={id}>
                <label>
                  <input
                    type="checkbox"
                    checked={chosenIds.has(id)}
                    onChange={(e) => toggle(column, e.target.checked)}
                  />
                  <span className="column-kind">{column.kind.replace(/s$/, '')}</span> {column.name}
                </label>
              </li>
            );
          })}
        </ul>
      </div>
    </details>
  );
}
