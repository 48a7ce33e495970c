import { describe, expect, it } from 'vitest';
import { BosunError } from '../shared/errors.js';
import {
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from './registry-filter.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BosunError);
    expect((e as BosunError).code).toBe('INVALID_PARAMETER_VALUE');
    return (e as BosunError).message;
  }
  throw new Error('expected an INVALID_PARAMETER_VALUE error');
}

describe('registered-model filter', () => {
  it('parses name and tag clauses, with every string comparator and quoted tag keys', () => {
    expect(
      parseRegisteredModelFilter(
        "name LIKE 'rf-%' AND tags.team = 'ml' AND tag.`mlflow.prompt.is_prompt` != 'true' AND name ILIKE \"X\"",
      ),
    ).toEqual([
      { entity: 'attribute', key: 'name', condition: { kind: 'string', op: 'LIKE', value: 'rf-%' } },
      { entity: 'tag', key: 'team', condition: { kind: 'string', op: '=', value: 'ml' } },
      {
        entity: 'tag',
        key: 'mlflow.prompt.is_prompt',
        condition: { kind: 'string', op: '!=', value: 'true' },
      },
      { entity: 'attribute', key: 'name', condition: { kind: 'string', op: 'ILIKE', value: 'X' } },
    ]);
    expect(parseRegisteredModelFilter('  ')).toEqual([]);
    expect(parseRegisteredModelFilter('tags.owner IS NULL')).toEqual([
      { entity: 'tag', key: 'owner', condition: { kind: 'null', negated: false } },
    ]);
  });

  it('refuses other attributes, numbers for names, OR and IN', () => {
    expect(messageOf(() => parseRegisteredModelFilter("run_id = 'x'"))).toMatch(
      /Invalid attribute key 'run_id'/,
    );
    expect(messageOf(() => parseRegisteredModelFilter('name = 3'))).toMatch(/quoted string/);
    expect(messageOf(() => parseRegisteredModelFilter("name = 'a' OR name = 'b'"))).toMatch(
      /OR is not supported/,
    );
    expect(messageOf(() => parseRegisteredModelFilter("name IN ('a')"))).toMatch(/Invalid comparator 'IN'/);
    expect(messageOf(() => parseRegisteredModelFilter("metrics.x = 'a'"))).toMatch(
      /Invalid entity type 'metrics'/,
    );
  });

  it('parses order-by with aliases and refuses unknown or duplicate keys', () => {
    expect(parseRegisteredModelOrderBy(['name DESC', 'timestamp'])).toEqual([
      { key: 'name', ascending: false },
      { key: 'last_updated_timestamp', ascending: true },
    ]);
    expect(parseRegisteredModelOrderBy(['creation_timestamp asc'])).toEqual([
      { key: 'creation_timestamp', ascending: true },
    ]);
    expect(messageOf(() => parseRegisteredModelOrderBy(['version_number']))).toMatch(/Invalid attribute key/);
    expect(messageOf(() => parseRegisteredModelOrderBy(['name', 'name DESC']))).toMatch(/duplicate fields/);
    expect(messageOf(() => parseRegisteredModelOrderBy(['tags.x']))).toMatch(/only attributes/);
  });
});

describe('model-version filter', () => {
  it('parses name, run_id (with IN), source_path, version_number and tags', () => {
    expect(
      parseModelVersionFilter(
        "name = 'rf' AND run_id IN ('a', 'b') AND source_path LIKE 'mlflow-artifacts:/%' AND version_number >= 2 AND tags.k != 'v'",
      ),
    ).toEqual([
      { entity: 'attribute', key: 'name', condition: { kind: 'string', op: '=', value: 'rf' } },
      { entity: 'attribute', key: 'run_id', condition: { kind: 'in', negated: false, values: ['a', 'b'] } },
      {
        entity: 'attribute',
        key: 'source_path',
        condition: { kind: 'string', op: 'LIKE', value: 'mlflow-artifacts:/%' },
      },
      { entity: 'attribute', key: 'version_number', condition: { kind: 'numeric', op: '>=', value: 2 } },
      { entity: 'tag', key: 'k', condition: { kind: 'string', op: '!=', value: 'v' } },
    ]);
    expect(parseModelVersionFilter("run_id NOT IN ('a')")).toEqual([
      { entity: 'attribute', key: 'run_id', condition: { kind: 'in', negated: true, values: ['a'] } },
    ]);
  });

  it('refuses IN on names, strings for version_number and unknown attributes', () => {
    expect(messageOf(() => parseModelVersionFilter("name IN ('a')"))).toMatch(/Invalid comparator 'IN'/);
    expect(messageOf(() => parseModelVersionFilter("version_number = '2'"))).toMatch(
      /Expected numeric value/,
    );
    expect(messageOf(() => parseModelVersionFilter("stage = 'x'"))).toMatch(/Invalid attribute key 'stage'/);
    expect(messageOf(() => parseModelVersionFilter('version_number IS NULL'))).toMatch(/Invalid comparator/);
    expect(messageOf(() => parseModelVersionFilter("name = 'a'; drop table x"))).toMatch(/unexpected ';'/);
  });

  it('parses order-by keys of versions', () => {
    expect(parseModelVersionOrderBy(['version_number DESC', 'name'])).toEqual([
      { key: 'version_number', ascending: false },
      { key: 'name', ascending: true },
    ]);
    expect(messageOf(() => parseModelVersionOrderBy(['run_id']))).toMatch(/Invalid attribute key 'run_id'/);
  });
});
