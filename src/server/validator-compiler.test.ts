import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/test-server.js';
import { requestValidatorCompiler } from './validator-compiler.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

// Found by scripts/fuzz-openapi.sh: `max_results=0.0` was coerced to 0 by the integer branch and accepted.
describe('int64 query parameters take digits only', () => {
  it.each(['0.0', '1e2', '2.5', ' 3'])('max_results=%j ⇒ 400 INVALID_PARAMETER_VALUE', async (value) => {
    const res = await server.call(
      'GET',
      `/api/2.0/mlflow/experiments/search?max_results=${encodeURIComponent(value)}`,
    );
    expect(res.status).toBe(400);
    expect(res.json?.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(res.json?.message).toContain('max_results');
  });

  it('max_results=5 is still read as the number 5', async () => {
    const res = await server.call('GET', '/api/2.0/mlflow/experiments/search?max_results=5');
    expect(res.status).toBe(200);
    expect(res.json).toBeDefined();
  });

  it('an int64 in a JSON body may still be a number or a digit string', async () => {
    for (const max of [5, '5']) {
      const res = await server.call('POST', '/api/2.0/mlflow/experiments/search', { max_results: max });
      expect(res.status, String(max)).toBe(200);
    }
  });
});

describe('validators are compiled once per process', () => {
  const schema = () => ({
    type: 'object',
    properties: { n: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
  });

  it('an equal schema in another app gets the same validator; body and query keep their own rules', () => {
    const first = requestValidatorCompiler();
    const second = requestValidatorCompiler();
    const body = first({ schema: schema(), httpPart: 'body', method: 'POST', url: '/x' });
    expect(second({ schema: schema(), httpPart: 'body', method: 'POST', url: '/y' })).toBe(body);
    const query = second({ schema: schema(), httpPart: 'querystring', method: 'GET', url: '/x' });
    expect(query).not.toBe(body);
    // Bodies are typed as sent; query strings are text, coerced (a lone value becomes an array).
    expect(body({ n: '5' })).toBe(false);
    const text = { n: '5', tags: 'a' };
    expect(query(text)).toBe(true);
    expect(text).toEqual({ n: 5, tags: ['a'] });
  });
});
