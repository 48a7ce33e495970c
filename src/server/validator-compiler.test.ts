import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/test-server.js';

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
