import { describe, expect, it } from 'vitest';
import { BosunError, InvalidParameterError } from '../shared/errors.js';
import {
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseLoggedModelFilter,
  parseLoggedModelOrderBy,
  parseRunFilter,
  parseRunOrderBy,
} from './index.js';
import { tokenize } from './tokenizer.js';

function errorOf(fn: () => unknown): InvalidParameterError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect((e as BosunError).code).toBe('INVALID_PARAMETER_VALUE');
    return e as InvalidParameterError;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('tokenizer', () => {
  it('splits names, dots, quoted text, numbers and operators', () => {
    const kinds = tokenize(`metrics."a b" >= -1.5e3 AND tags.\`x.y\` != 'it''s'`).map((t) => [
      t.kind,
      t.text,
    ]);
    expect(kinds).toEqual([
      ['word', 'metrics'],
      ['dot', '.'],
      ['quoted', 'a b'],
      ['op', '>='],
      ['number', '-1.5e3'],
      ['word', 'AND'],
      ['word', 'tags'],
      ['dot', '.'],
      ['quoted', 'x.y'],
      ['op', '!='],
      ['quoted', "it's"],
    ]);
  });
  it('reports unterminated quotes and stray characters with their position', () => {
    expect(errorOf(() => tokenize("params.a = 'x")).message).toMatch(
      /unterminated quoted text starting at position 12/,
    );
    expect(errorOf(() => tokenize('params.a = 1; drop')).message).toMatch(/unexpected ';' at position 13/);
  });
});

describe('parseRunFilter: valid forms', () => {
  it('returns no clauses for a missing or blank filter', () => {
    expect(parseRunFilter(undefined)).toEqual([]);
    expect(parseRunFilter('   ')).toEqual([]);
  });
  it('parses metrics, params, tags with every prefix alias', () => {
    expect(
      parseRunFilter(
        "metrics.acc > 0.9 and PARAM.lr = '0.1' AND tag.t LIKE 'x%' AND parameters.p ILIKE \"Y\"",
      ),
    ).toEqual([
      { entity: 'metric', key: 'acc', condition: { kind: 'numeric', op: '>', value: 0.9 } },
      { entity: 'param', key: 'lr', condition: { kind: 'string', op: '=', value: '0.1' } },
      { entity: 'tag', key: 't', condition: { kind: 'string', op: 'LIKE', value: 'x%' } },
      { entity: 'param', key: 'p', condition: { kind: 'string', op: 'ILIKE', value: 'Y' } },
    ]);
  });
  it('parses quoted and dotted keys', () => {
    expect(parseRunFilter('metrics."f1 score" <= 1').at(0)).toMatchObject({
      entity: 'metric',
      key: 'f1 score',
    });
    expect(parseRunFilter("tags.`mlflow.user` = 'a'").at(0)).toMatchObject({ key: 'mlflow.user' });
    expect(parseRunFilter("tags.mlflow.source.name = 'a'").at(0)).toMatchObject({
      key: 'mlflow.source.name',
    });
    expect(parseRunFilter('metrics.1st_epoch.loss < 2').at(0)).toMatchObject({ key: '1st_epoch.loss' });
    expect(parseRunFilter("`params`.`a-b` = 'x'").at(0)).toMatchObject({ entity: 'param', key: 'a-b' });
  });
  it('parses attributes, bare and prefixed, with aliases', () => {
    expect(
      parseRunFilter("status = 'FINISHED' AND attr.user_id != 'x' AND run.artifact_uri LIKE '%a'"),
    ).toEqual([
      { entity: 'attribute', key: 'status', condition: { kind: 'string', op: '=', value: 'FINISHED' } },
      { entity: 'attribute', key: 'user_id', condition: { kind: 'string', op: '!=', value: 'x' } },
      { entity: 'attribute', key: 'artifact_uri', condition: { kind: 'string', op: 'LIKE', value: '%a' } },
    ]);
    expect(parseRunFilter('created >= 10 AND Created < 20 AND attributes.end_time = 5')).toEqual([
      { entity: 'attribute', key: 'start_time', condition: { kind: 'numeric', op: '>=', value: 10 } },
      { entity: 'attribute', key: 'start_time', condition: { kind: 'numeric', op: '<', value: 20 } },
      { entity: 'attribute', key: 'end_time', condition: { kind: 'numeric', op: '=', value: 5 } },
    ]);
    for (const f of ["run_name = 'a'", "`run name` = 'a'", '"Run Name" = \'a\'', "run name = 'a'"]) {
      expect(parseRunFilter(f).at(0)).toMatchObject({ entity: 'attribute', key: 'run_name' });
    }
  });
  it('parses IN / NOT IN for run_id and datasets, with a trailing comma', () => {
    expect(parseRunFilter("run_id IN ('a', 'b',) AND datasets.digest not in ('d')")).toEqual([
      { entity: 'attribute', key: 'run_id', condition: { kind: 'in', negated: false, values: ['a', 'b'] } },
      { entity: 'dataset', key: 'digest', condition: { kind: 'in', negated: true, values: ['d'] } },
    ]);
  });
  it('parses IS NULL / IS NOT NULL for metrics, params and tags', () => {
    expect(
      parseRunFilter('metrics.m IS NULL AND params.p is not null AND tags.t IS NULL').map((c) => c.condition),
    ).toEqual([
      { kind: 'null', negated: false },
      { kind: 'null', negated: true },
      { kind: 'null', negated: false },
    ]);
  });
  it('keeps keywords usable as keys', () => {
    expect(parseRunFilter("params.and = 'x' AND tags.in = 'y'").map((c) => c.key)).toEqual(['and', 'in']);
  });
});

describe('parseRunFilter: errors', () => {
  it('rejects OR, parentheses and junk between clauses', () => {
    expect(errorOf(() => parseRunFilter('metrics.a > 1 OR metrics.b < 2')).message).toMatch(
      /^Invalid clause\(s\) in filter string: 'metrics.a > 1 OR metrics.b < 2'. OR is not supported/,
    );
    expect(errorOf(() => parseRunFilter("(params.a = 'x')")).message).toMatch(
      /^Invalid clause\(s\) in filter string/,
    );
    expect(errorOf(() => parseRunFilter("params.a = 'x' params.b = 'y'")).message).toMatch(/Expected AND/);
    expect(errorOf(() => parseRunFilter("params.a = 'x' AND")).message).toMatch(
      /Expected a clause after AND/,
    );
    expect(errorOf(() => parseRunFilter('1=1 OR')).message).toMatch(/^Invalid clause\(s\) in filter string/);
    expect(errorOf(() => parseRunFilter('params.a')).message).toMatch(
      /Expected a comparison after 'params.a'/,
    );
    expect(errorOf(() => parseRunFilter('params.a =')).message).toMatch(/Expected a value/);
  });
  it('rejects unknown entities and attributes', () => {
    expect(errorOf(() => parseRunFilter("foo.bar = 'x'")).message).toMatch(
      /^Invalid entity type 'foo'. Valid values are/,
    );
    expect(errorOf(() => parseRunFilter("experiment_id = '1'")).message).toMatch(
      /^Invalid attribute key 'experiment_id' specified. Valid keys are/,
    );
    expect(errorOf(() => parseRunFilter("datasets.size = 'x'")).message).toMatch(
      /^Invalid dataset key 'size'/,
    );
  });
  it('rejects type mismatches the way MLflow words them', () => {
    expect(errorOf(() => parseRunFilter("metrics.acc > '0.9'")).message).toBe(
      "Expected numeric value type for metric. Found '0.9'",
    );
    expect(errorOf(() => parseRunFilter("metrics.acc LIKE '0.9%'")).message).toMatch(
      /^Invalid comparator 'LIKE' not one of/,
    );
    expect(errorOf(() => parseRunFilter("start_time > 'yesterday'")).message).toBe(
      "Expected numeric value type for numeric attribute: start_time. Found 'yesterday'",
    );
    expect(errorOf(() => parseRunFilter('params.lr = 0.1')).message).toBe(
      "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1",
    );
    expect(errorOf(() => parseRunFilter('status = FINISHED')).message).toMatch(
      /^Parameter value is either not quoted or unidentified quote types used for string value FINISHED/,
    );
    expect(errorOf(() => parseRunFilter('params.lr > 1')).message).toMatch(
      /^Invalid comparator '>' not one of/,
    );
    expect(errorOf(() => parseRunFilter("status > 'A'")).message).toMatch(
      /^Invalid comparator '>' not one of/,
    );
    expect(errorOf(() => parseRunFilter('metrics.a == 1')).message).toMatch(/^Invalid comparator '=='/);
    expect(errorOf(() => parseRunFilter('metrics.a <> 1')).message).toMatch(/^Invalid comparator '<>'/);
    expect(errorOf(() => parseRunFilter("params.a NOT LIKE 'x'")).message).toMatch(
      /^Invalid comparator 'NOT LIKE'/,
    );
    expect(errorOf(() => parseRunFilter('start_time IS NULL')).message).toMatch(/IS NULL/);
  });
  it('rejects IN lists where MLflow does', () => {
    expect(errorOf(() => parseRunFilter("status IN ('A')")).message).toBe(
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
    expect(errorOf(() => parseRunFilter("params.a IN ('A')")).message).toMatch(/^Invalid comparator 'IN'/);
    expect(errorOf(() => parseRunFilter('metrics.a IN (1)')).message).toMatch(/^Invalid comparator 'IN'/);
    expect(errorOf(() => parseRunFilter('run_id IN ()')).message).toMatch(/but got empty list/);
    expect(errorOf(() => parseRunFilter("run_id IN ('a' 'b')")).message).toMatch(/ill-formed list/);
    expect(errorOf(() => parseRunFilter('run_id IN (1, 2)')).message).toMatch(/expected string value/);
    expect(errorOf(() => parseRunFilter("run_id IN 'a'")).message).toMatch(/parenthesised list/);
  });
});

describe('parseRunOrderBy', () => {
  it('parses entities, keys and directions', () => {
    expect(
      parseRunOrderBy(['metrics.acc DESC', 'params.`a b` asc', 'tags.t', 'attributes.start_time']),
    ).toEqual([
      { entity: 'metric', key: 'acc', ascending: false },
      { entity: 'param', key: 'a b', ascending: true },
      { entity: 'tag', key: 't', ascending: true },
      { entity: 'attribute', key: 'start_time', ascending: true },
    ]);
    expect(parseRunOrderBy(['Created DESC', 'run_name'])).toEqual([
      { entity: 'attribute', key: 'start_time', ascending: false },
      { entity: 'attribute', key: 'run_name', ascending: true },
    ]);
    expect(parseRunOrderBy(undefined)).toEqual([]);
  });
  it('rejects bad directions, trailing text, duplicates and unknown fields', () => {
    expect(errorOf(() => parseRunOrderBy(['metrics.acc UP'])).message).toBe(
      "Invalid ordering key in order_by clause 'metrics.acc UP'.",
    );
    expect(errorOf(() => parseRunOrderBy(['metrics.acc DESC x'])).message).toMatch(/Could not be parsed/);
    expect(errorOf(() => parseRunOrderBy([''])).message).toMatch(/Could not be parsed/);
    expect(errorOf(() => parseRunOrderBy(['start_time', 'created DESC'])).message).toMatch(
      /duplicate fields/,
    );
    expect(errorOf(() => parseRunOrderBy(['lifecycle_stage'])).message).toMatch(/^Invalid attribute key/);
    expect(errorOf(() => parseRunOrderBy(['datasets.name'])).message).toMatch(
      /order_by entity type 'dataset'/,
    );
  });
});

describe('experiments', () => {
  it('parses name, times and tags', () => {
    expect(parseExperimentFilter("name LIKE 'a%' AND creation_time > 5 AND tags.t IS NOT NULL")).toEqual([
      { entity: 'attribute', key: 'name', condition: { kind: 'string', op: 'LIKE', value: 'a%' } },
      { entity: 'attribute', key: 'creation_time', condition: { kind: 'numeric', op: '>', value: 5 } },
      { entity: 'tag', key: 't', condition: { kind: 'null', negated: true } },
    ]);
    expect(parseExperimentOrderBy(['name DESC', 'experiment_id'])).toEqual([
      { entity: 'attribute', key: 'name', ascending: false },
      { entity: 'attribute', key: 'experiment_id', ascending: true },
    ]);
  });
  it('rejects what experiments do not support', () => {
    expect(errorOf(() => parseExperimentFilter('metrics.a > 1')).message).toMatch(
      /^Invalid entity type 'metrics'/,
    );
    expect(errorOf(() => parseExperimentFilter("artifact_location = 'x'")).message).toMatch(
      /^Invalid attribute key/,
    );
    expect(errorOf(() => parseExperimentFilter("name IN ('x')")).message).toMatch(/^Invalid comparator 'IN'/);
    expect(errorOf(() => parseExperimentFilter("creation_time = 'x'")).message).toMatch(
      /Expected numeric value/,
    );
    expect(errorOf(() => parseExperimentOrderBy(['tags.x'])).message).toBe('Invalid order_by entity: tag');
    expect(errorOf(() => parseExperimentOrderBy(['name', 'name DESC'])).message).toMatch(/duplicate/);
  });
});

describe('logged models', () => {
  it('parses the client filter for runs:/ URIs', () => {
    expect(parseLoggedModelFilter("source_run_id='0123abcd'")).toEqual([
      {
        entity: 'attribute',
        key: 'source_run_id',
        condition: { kind: 'string', op: '=', value: '0123abcd' },
      },
    ]);
  });
  it('parses metrics, params, tags and attribute aliases', () => {
    expect(
      parseLoggedModelFilter(
        "metrics.acc >= 0.5 AND params.a = 'x' AND tags.t != 'y' AND creation_time > 1 AND status IN ('LOGGED_MODEL_READY')",
      ).map((c) => [c.entity, c.key, c.condition.kind]),
    ).toEqual([
      ['metric', 'acc', 'numeric'],
      ['param', 'a', 'string'],
      ['tag', 't', 'string'],
      ['attribute', 'creation_timestamp', 'numeric'],
      ['attribute', 'status', 'in'],
    ]);
  });
  it('validates the structured order-by', () => {
    expect(
      parseLoggedModelOrderBy([
        { fieldName: 'metrics.acc', ascending: false },
        { fieldName: 'creation_time' },
      ]),
    ).toEqual([
      { entity: 'metric', key: 'acc', ascending: false },
      { entity: 'attribute', key: 'creation_timestamp', ascending: true },
    ]);
    expect(errorOf(() => parseLoggedModelOrderBy([{ fieldName: 'params.a' }])).message).toMatch(
      /only `metrics.<name>`/,
    );
    expect(errorOf(() => parseLoggedModelOrderBy([{ fieldName: 'size' }])).message).toBe(
      'Invalid order by field name: size.',
    );
    expect(
      errorOf(() => parseLoggedModelOrderBy([{ fieldName: 'metrics.a', datasetDigest: 'd' }])).message,
    ).toMatch(/dataset_digest/);
    expect(errorOf(() => parseLoggedModelFilter("datasets.name = 'x'")).message).toMatch(
      /^Invalid entity type/,
    );
    expect(errorOf(() => parseLoggedModelFilter("name > 'x'")).message).toMatch(/^Invalid comparator/);
  });
});
