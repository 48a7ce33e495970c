import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/errors.js';
import { WebhookTargetPolicy, type HostResolver } from './target-policy.js';

const noDns: HostResolver = async (host) => {
  throw new Error(`no DNS in this test (${host})`);
};

describe('webhook target policy', () => {
  const strict = new WebhookTargetPolicy({}, noDns);

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.8.9.10:8080/x', 'loopback'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.20.1.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[::1]/', 'loopback'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'special-purpose'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://localhost/', 'loopback'],
    ['http://api.localhost:5000/', 'loopback'],
  ])('refuses %s (%s) when private targets are not allowed', async (url, reason) => {
    const err = await strict.checkUrl(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect((err as Error).message).toContain(reason);
  });

  it('refuses other schemes and credentials in the URL', async () => {
    await expect(strict.checkUrl('ftp://93.184.216.34/')).rejects.toThrow(/scheme 'ftp'/);
    await expect(strict.checkUrl('file:///etc/passwd')).rejects.toThrow(/scheme 'file'/);
    await expect(strict.checkUrl('http://user:pw@93.184.216.34/')).rejects.toThrow(/credentials/);
    await expect(strict.checkUrl('not a url')).rejects.toThrow(/not an absolute URL/);
  });

  it('accepts public addresses and names that resolve only to public addresses (validation only)', async () => {
    expect(await strict.checkUrl('https://93.184.216.34/hook#frag')).toBe('https://93.184.216.34/hook');
    expect(await strict.checkUrl('http://[2606:4700::1111]:8443/x')).toBe('http://[2606:4700::1111]:8443/x');
    const dns = new WebhookTargetPolicy({}, async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    expect(await dns.checkUrl('https://hooks.example.com/x')).toBe('https://hooks.example.com/x');
  });

  it('refuses a name when any of its addresses is refused, and names that do not resolve', async () => {
    const mixed = new WebhookTargetPolicy({}, async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ]);
    await expect(mixed.checkUrl('https://hooks.example.com/')).rejects.toThrow(
      /resolves to 10\.1\.2\.3, a private/,
    );
    await expect(strict.checkUrl('https://nowhere.invalid/')).rejects.toThrow(/does not resolve/);
  });

  it('lets the operator allow private targets, but not link-local or multicast', () => {
    const open = new WebhookTargetPolicy({ allowPrivateWebhookTargets: true }, noDns);
    expect(open.refusal('127.0.0.1')).toBeUndefined();
    expect(open.refusal('::1')).toBeUndefined();
    expect(open.refusal('10.0.0.1')).toBeUndefined();
    expect(open.refusal('169.254.169.254')).toBe('a link-local address');
    expect(open.refusal('224.0.0.1')).toBe('a multicast address');
  });

  it('allows exactly the CIDRs the operator lists', () => {
    const listed = new WebhookTargetPolicy({
      allowedWebhookCidrs: ['10.20.0.0/16', 'fd00::/8', '169.254.1.1'],
    });
    expect(listed.refusal('10.20.3.4')).toBeUndefined();
    expect(listed.refusal('10.21.0.1')).toBe('a private address');
    expect(listed.refusal('fd00::5')).toBeUndefined();
    expect(listed.refusal('169.254.1.1')).toBeUndefined();
    expect(listed.refusal('169.254.169.254')).toBe('a link-local address');
    expect(() => new WebhookTargetPolicy({ allowedWebhookCidrs: ['10.0.0.0/33'] })).toThrow(
      InvalidParameterError,
    );
    expect(() => new WebhookTargetPolicy({ allowedWebhookCidrs: ['example.com'] })).toThrow(
      InvalidParameterError,
    );
  });
});
