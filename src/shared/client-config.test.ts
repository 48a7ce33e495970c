import { describe, expect, it } from 'vitest';
import { loadClientConfig } from './client-config.js';
import { InvalidParameterError } from './errors.js';

describe('loadClientConfig', () => {
  it('prefers the flag, then BOSUN_TRACKING_URI, then MLFLOW_TRACKING_URI, then the default', () => {
    const env = { BOSUN_TRACKING_URI: 'http://b:1', MLFLOW_TRACKING_URI: 'http://m:2' };
    expect(loadClientConfig({ trackingUri: 'http://f:3' }, env).trackingUri).toBe('http://f:3');
    expect(loadClientConfig({}, env).trackingUri).toBe('http://b:1');
    expect(loadClientConfig({}, { MLFLOW_TRACKING_URI: 'https://m:2/prefix' }).trackingUri).toBe(
      'https://m:2/prefix',
    );
    expect(loadClientConfig({}, { MLFLOW_TRACKING_URI: '' }).trackingUri).toBe('http://127.0.0.1:5000');
  });

  it('reads MLflow credentials; username and password only as a pair', () => {
    expect(loadClientConfig({}, { MLFLOW_TRACKING_TOKEN: 't' })).toEqual({
      trackingUri: 'http://127.0.0.1:5000',
      token: 't',
    });
    expect(loadClientConfig({}, { MLFLOW_TRACKING_USERNAME: 'u' }).username).toBeUndefined();
    expect(
      loadClientConfig({}, { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' }),
    ).toMatchObject({
      username: 'u',
      password: 'p',
    });
  });

  it('rejects tracking URIs the HTTP client cannot use', () => {
    expect(() => loadClientConfig({ trackingUri: './mlruns' }, {})).toThrow(InvalidParameterError);
    expect(() => loadClientConfig({}, { MLFLOW_TRACKING_URI: 'databricks' })).toThrow(/expected an http/);
  });
});
