import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { completionsFor, wordAt } from './filter-completion';

/**
 * The filter input with completion of keys (params, metrics, tags of the loaded runs, and run attributes), as
 * an ARIA combobox: typing offers matching keys; ↓/↑ move through them, Enter or Tab takes one, Escape closes.
 * Enter with no suggestion chosen submits the form (the filter goes to the server as typed).
 */
export function FilterBox(props: {
  value: string;
  onChange: (value: string) => void;
  keys: readonly string[];
  invalid: boolean;
  describedBy: string | undefined;
}): ReactNode {
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const word = wordAt(props.value, caret);
  const options = open ? completionsFor(word.text, props.keys) : [];

  const accept = (key: string): void => {
    const next = props.value.slice(0, word.start) + key + props.value.slice(word.end);
    const at = word.start + key.length;
    props.onChange(next);
    setOpen(false);
    setActive(-1);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(at, at);
      setCaret(at);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (options.length === 0) return;
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        setActive((i) => (i + 1) % options.length);
        return;
      case 'ArrowUp':
        event.preventDefault();
        setActive((i) => (i <= 0 ? options.length - 1 : i - 1));
        return;
      case 'Enter':
      case 'Tab': {
        const chosen = options[active] ?? (event.key === 'Tab' ? options[0] : undefined);
        if (chosen === undefined) return;
        event.preventDefault();
        accept(chosen);
        return;
      }
      case 'Escape':
        event.preventDefault();
        setOpen(false);
        return;
    }
  };

  return (
    <div className="combobox">
      <input
        ref={input}
        id="run-filter"
        className="mono"
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={options.length > 0}
        aria-controls={listId}
        aria-activedescendant={
          active >= 0 && options[active] !== undefined ? `${listId}-${active}` : undefined
        }
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid ? true : undefined}
        value={props.value}
        spellCheck={false}
        autoComplete="off"
        placeholder="metrics.accuracy > 0.9 and params.model = 'tree'"
        onChange={(e) => {
          props.onChange(e.target.value);
          setCaret(e.target.selectionStart ?? e.target.value.length);
          setOpen(true);
          setActive(-1);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Filter keys"
        className="suggestions"
        hidden={options.length === 0}
      >
        {options.map((key, i) => (
          <li
            key={key}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className="mono"
            onMouseDown={(e) => {
              e.preventDefault();
              accept(key);
            }}
          >
            {key}
          </li>
        ))}
      </ul>
    </div>
  );
}
