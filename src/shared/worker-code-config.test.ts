import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './config.js';
import { InvalidParameterError } from './errors.js';

const pg = { backendStoreUri: 'postgresql://bosun@db/bosun', pipelineExecutor: 'workers' as const };
const MB = 1024 * 1024;

describe('--worker-code and --code-bundle-max-mb', () => {
  it('ship code as a bundle of at most 100 MB by default with the workers executor', () => {
    expect(loadServerConfig(pg, {}).workerCode).toEqual({ mode: 'bundle', maxBytes: 100 * MB });
  });

  it('read the flags, then the BOSUN_ variables', () => {
    expect(loadServerConfig({ ...pg, codeBundleMaxMb: '2.5' }, {}).workerCode).toEqual({
      mode: 'bundle',
      maxBytes: Math.round(2.5 * MB),
    });
    expect(loadServerConfig({ ...pg, workerCode: 'shared' }, {}).workerCode).toEqual({ mode: 'shared' });
    expect(
      loadServerConfig(pg, { BOSUN_WORKER_CODE: 'bundle', BOSUN_CODE_BUNDLE_MAX_MB: '7' }).workerCode,
    ).toEqual({ mode: 'bundle', maxBytes: 7 * MB });
    expect(
      loadServerConfig({ ...pg, workerCode: 'bundle' }, { BOSUN_WORKER_CODE: 'shared' }).workerCode?.mode,
    ).toBe('bundle');
  });

  it('refuse a bad mode, a bad limit, a limit with shared code, and either without the workers executor', () => {
    const refused = (flags: Parameters<typeof loadServerConfig>[0], env: NodeJS.ProcessEnv = {}) => {
      try {
        loadServerConfig(flags, env);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidParameterError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ ...pg, workerCode: 'rsync' })).toBe(
      "Invalid worker code mode 'rsync': expected bundle or shared",
    );
    expect(refused({ ...pg, codeBundleMaxMb: '0' })).toBe(
      "Invalid code bundle limit '0': expected a number of MB above 0",
    );
    expect(refused({ ...pg, codeBundleMaxMb: 'lots' })).toContain("Invalid code bundle limit 'lots'");
    expect(refused({ ...pg, workerCode: 'shared', codeBundleMaxMb: '5' })).toBe(
      '--code-bundle-max-mb applies to --worker-code bundle, not shared',
    );
    expect(refused({ workerCode: 'shared' })).toContain('apply to --pipeline-executor workers');
    expect(refused({}, { BOSUN_CODE_BUNDLE_MAX_MB: '5' })).toContain('apply to --pipeline-executor workers');
    expect(loadServerConfig({}, {}).workerCode).toBeUndefined();
  });
});
