import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/test-server.js';

const api = '/api/2.0/mlflow';
const docs = ' See the API docs for more information about request parameters.';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

/** POSTs the JSON text as written (so that `9.0` stays `9.0` on the wire) and returns the error message. */
async function messageOf(path: string, text: string): Promise<{ status: number; message: unknown }> {
  const res = await server.call('POST', `${api}/${path}`, text, { 'content-type': 'application/json' });
  const body = res.json as { error_code?: unknown; message?: unknown } | undefined;
  if (res.status === 400) expect(body?.error_code).toBe('INVALID_PARAMETER_VALUE');
  return { status: res.status, message: body?.message };
}

// Each expected message is what MLflow 3.17.2's server answers to the same request body (checked against a
// running MLflow server; see docs/api.md#errors).
describe("MLflow's wording for parameter errors", () => {
  it.each([
    [
      '9.0',
      "Invalid value 9.0 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'.",
    ],
    [
      '1E5',
      "Invalid value 100000.0 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'.",
    ],
    [
      '1e20',
      "Invalid value 1e+20 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'.",
    ],
    [
      '1.5e-7',
      "Invalid value 1.5e-07 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'.",
    ],
    [
      '12345678901234567890',
      "Invalid value 12345678901234567890 for parameter 'artifact_location' supplied:  Hint: Value was of type 'int'.",
    ],
    [
      '{"b": 1.0, "a": "é"}',
      'Invalid value {"a":"\\u00e9","b":1.0} for parameter \'artifact_location\' supplied:  Hint: Value was of type \'dict\'.',
    ],
    [
      '[1, 2.5, null, true]',
      "Invalid value [1,2.5,null,true] for parameter 'artifact_location' supplied:  Hint: Value was of type 'list'.",
    ],
  ])(
    'experiments/create {artifact_location: %s} names the value and type as written',
    async (literal, message) => {
      const res = await messageOf('experiments/create', `{"name": "e", "artifact_location": ${literal}}`);
      expect(res).toEqual({ status: 400, message: `${message}${docs}` });
    },
  );

  it('the value is shown as written also when the key is spelled in lowerCamelCase', async () => {
    const res = await messageOf('experiments/create', '{"name": "e", "artifactLocation": 9.0}');
    expect(res.message).toBe(
      `Invalid value 9.0 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'.${docs}`,
    );
  });

  it('names, tags and values of the wrong type', async () => {
    expect(await messageOf('experiments/create', '{"name": 123}')).toEqual({
      status: 400,
      message: `Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'.${docs}`,
    });
    expect(await messageOf('experiments/create', '{"name": "x", "tags": "5"}')).toEqual({
      status: 400,
      message: `Invalid value "5" for parameter 'tags' supplied:  Hint: Value was of type 'str'.${docs}`,
    });
    expect(await messageOf('runs/log-batch', '{"run_id": "r", "metrics": "foo"}')).toEqual({
      status: 400,
      message: `Invalid value "foo" for parameter 'metrics' supplied:  Hint: Value was of type 'str'.${docs}`,
    });
  });

  it('null counts as absent: a required field set to null is missing', async () => {
    expect(
      await messageOf(
        'runs/log-metric',
        '{"run_id": null, "key": "foo", "value": 31, "timestamp": 59, "step": 41}',
      ),
    ).toEqual({ status: 400, message: `Missing value for required parameter 'run_id'.${docs}` });
    expect(await messageOf('experiments/create', '{"name": null}')).toEqual({
      status: 400,
      message: `Missing value for required parameter 'name'.${docs}`,
    });
    expect(
      await messageOf(
        'runs/log-batch',
        '{"run_id": "r", "metrics": [{"key": "a", "value": 1, "timestamp": null}]}',
      ),
    ).toEqual({
      status: 400,
      message: `Missing value for required parameter 'metrics[0].timestamp'.${docs}`,
    });
  });

  it('null counts as absent: an optional field set to null is ignored, as MLflow does', async () => {
    const res = await server.call(
      'POST',
      `${api}/experiments/create`,
      '{"name": "null-location", "artifact_location": null}',
      { 'content-type': 'application/json' },
    );
    expect(res.status).toBe(200);
    expect(res.json).toHaveProperty('experiment_id');
  });

  it("a version that is not an integer gets MLflow's registry wording (its test_get_model_version matches it)", async () => {
    const res = await server.call(
      'GET',
      `${api}/model-versions/get?name=m&version=${encodeURIComponent('something not correct')}`,
    );
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Parameter 'version' must be an integer, got 'something not correct'.",
    });
    // Another spelling of an integer is still refused with Bosun's one-spelling rule.
    const padded = await server.call('GET', `${api}/model-versions/get?name=m&version=01`);
    expect(padded.status).toBe(400);
    expect(String((padded.json as { message?: unknown }).message)).toContain('Expected a version number');
  });
});
