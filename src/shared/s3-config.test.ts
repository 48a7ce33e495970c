import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './config.js';
import { InvalidParameterError } from './errors.js';
import { loadS3Settings } from './s3-config.js';

describe('loadS3Settings', () => {
  it("reads MLflow's variables: endpoint, keys, region; path-style with a custom endpoint", () => {
    expect(
      loadS3Settings({
        MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
        AWS_ACCESS_KEY_ID: 'key',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_DEFAULT_REGION: 'eu-west-1',
      }),
    ).toEqual({
      endpointUrl: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      addressingStyle: 'path',
    });
  });

  it('defaults to AWS itself: us-east-1, virtual-hosted, credentials from the SDK chain', () => {
    expect(loadS3Settings({})).toEqual({ region: 'us-east-1', addressingStyle: 'virtual' });
  });

  it('AWS_REGION wins over AWS_DEFAULT_REGION; session tokens and the addressing style are read', () => {
    expect(
      loadS3Settings({
        AWS_REGION: 'us-west-2',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'k',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_SESSION_TOKEN: 't',
        MLFLOW_S3_ENDPOINT_URL: 'https://s3.example.com',
        BOSUN_S3_ADDRESSING_STYLE: 'Virtual',
      }),
    ).toEqual({
      endpointUrl: 'https://s3.example.com',
      region: 'us-west-2',
      credentials: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: 't' },
      addressingStyle: 'virtual',
    });
    expect(loadS3Settings({ AWS_S3_ADDRESSING_STYLE: 'path' }).addressingStyle).toBe('path');
    expect(loadS3Settings({ AWS_ENDPOINT_URL_S3: 'http://h:1' }).endpointUrl).toBe('http://h:1');
  });

  it('refuses half a key pair, a bad endpoint and an unknown style, without echoing secrets', () => {
    const cases: NodeJS.ProcessEnv[] = [
      { AWS_ACCESS_KEY_ID: 'k' },
      { AWS_SECRET_ACCESS_KEY: 'topsecret' },
      { MLFLOW_S3_ENDPOINT_URL: 'ftp://h' },
      { MLFLOW_S3_ENDPOINT_URL: 'not a url' },
      { MLFLOW_S3_ENDPOINT_URL: 'http://user:topsecret@h' },
      { BOSUN_S3_ADDRESSING_STYLE: 'dns' },
    ];
    for (const env of cases) {
      let error: unknown;
      try {
        loadS3Settings(env);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(env)).toBeInstanceOf(InvalidParameterError);
      expect((error as Error).message).not.toContain('topsecret');
    }
  });
});

describe('loadServerConfig with S3', () => {
  // Only read as a setting, never created: a folder name under the machine's temporary folder.
  const dataDir = join(tmpdir(), 'bosun-x');

  it('keeps an s3:// destination as given and reads the S3 settings only then', () => {
    const env = { BOSUN_DATA_DIR: dataDir, MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000' };
    const config = loadServerConfig({ artifactsDestination: 's3://ml-artifacts/bosun' }, env);
    expect(config.artifactsDestination).toBe('s3://ml-artifacts/bosun');
    expect(config.defaultArtifactRoot).toBe('mlflow-artifacts:/');
    expect(config.s3?.endpointUrl).toBe('http://127.0.0.1:9000');
    expect(loadServerConfig({}, env).s3).toBeUndefined();
    expect(loadServerConfig({}, { ...env, AWS_ACCESS_KEY_ID: 'only-half' }).s3).toBeUndefined();
  });

  it('with --no-serve-artifacts the s3:// destination is the default root clients write to', () => {
    const config = loadServerConfig(
      { serveArtifacts: false, artifactsDestination: 's3://ml-artifacts/bosun/' },
      { BOSUN_DATA_DIR: dataDir },
    );
    expect(config.defaultArtifactRoot).toBe('s3://ml-artifacts/bosun/');
    expect(config.s3).toEqual({ region: 'us-east-1', addressingStyle: 'virtual' });
    const direct = loadServerConfig(
      { serveArtifacts: false, defaultArtifactRoot: 's3://ml-artifacts/runs' },
      { BOSUN_DATA_DIR: dataDir },
    );
    expect(direct.s3).toBeDefined();
  });

  it('refuses a destination with a bad bucket name', () => {
    expect(() => loadServerConfig({ artifactsDestination: 's3://Bad_Bucket/x' }, {})).toThrow(
      InvalidParameterError,
    );
  });
});
