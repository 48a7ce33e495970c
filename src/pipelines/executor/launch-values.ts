export { artifactRefs } from './unit-values.js';

/** A value as text for an MLflow param or tag, cut to `max` characters (with a marker) when longer. */
export function valueToTextSafe(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 20)}...(${text.length} chars)`;
}
