import { describe, expect, it } from 'vitest';
import { loadKubernetesSettings } from './kube-settings.js';

describe('--kube-pending-timeout', () => {
  it('reads a duration from the flag, else BOSUN_KUBE_PENDING_TIMEOUT; unset leaves the default to the executor', () => {
    expect(loadKubernetesSettings({ kubePendingTimeout: '90s' }, {}).pendingTimeoutMs).toBe(90_000);
    expect(loadKubernetesSettings({}, { BOSUN_KUBE_PENDING_TIMEOUT: '1h30m' }).pendingTimeoutMs).toBe(
      5_400_000,
    );
    expect(
      loadKubernetesSettings({ kubePendingTimeout: '10m' }, { BOSUN_KUBE_PENDING_TIMEOUT: '1h' })
        .pendingTimeoutMs,
    ).toBe(600_000);
    expect(loadKubernetesSettings({}, {})).not.toHaveProperty('pendingTimeoutMs');
  });

  it.each(['10', '5s', '8d', '10 m', '1m30', 'soon', ''])('refuses %j, saying what it expects', (text) => {
    expect(() => loadKubernetesSettings({ kubePendingTimeout: text }, {})).toThrow(
      /Invalid --kube-pending-timeout .*: expected a duration such as 10m, 90s or 1h30m \(10s to 7 days\)/,
    );
  });
});
