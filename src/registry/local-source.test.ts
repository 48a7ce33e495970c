import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalLocalLocation, lexicalLocalPath, pathWithin, realLocalPath } from './local-source.js';

describe('local source paths', () => {
  let dir: string;

  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'bosun-local-source-')));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere', 'deep'), { recursive: true });
    symlinkSync(join(dir, 'elsewhere', 'deep'), join(dir, 'a', 'abs')); // absolute target
    symlinkSync('../elsewhere', join(dir, 'a', 'rel')); // relative target
    symlinkSync(join(dir, 'not-yet'), join(dir, 'a', 'dangling'));
    symlinkSync(join(dir, 'a', 'loop2'), join(dir, 'a', 'loop1'));
    symlinkSync(join(dir, 'a', 'loop1'), join(dir, 'a', 'loop2'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves symlinks, then .. from where they lead, like Python Path.resolve()', async () => {
    expect(await realLocalPath(join(dir, 'a', 'b'))).toBe(join(dir, 'a', 'b'));
    expect(await realLocalPath(`${dir}/a/./b/../b/`)).toBe(join(dir, 'a', 'b'));
    expect(await realLocalPath(`${dir}/a/abs/x`)).toBe(join(dir, 'elsewhere', 'deep', 'x'));
    // `..` after a link is the parent of the link's target, not of the link.
    expect(await realLocalPath(`${dir}/a/abs/..`)).toBe(join(dir, 'elsewhere'));
    expect(await realLocalPath(`${dir}/a/rel/deep`)).toBe(join(dir, 'elsewhere', 'deep'));
    // A dangling link still leads where it points; what does not exist is resolved lexically.
    expect(await realLocalPath(`${dir}/a/dangling/m`)).toBe(join(dir, 'not-yet', 'm'));
    expect(await realLocalPath(`${dir}/a/missing/../b`)).toBe(join(dir, 'a', 'b'));
    await expect(realLocalPath(`${dir}/a/loop1/x`)).rejects.toThrow(/symbolic links/);
  });

  it('maps paths in the store folder to store URIs and others to file URIs', () => {
    const store = '/srv/store';
    expect(canonicalLocalLocation('/srv/store/1/r/artifacts/m', store)).toBe(
      'mlflow-artifacts:/1/r/artifacts/m',
    );
    expect(canonicalLocalLocation('/srv/store', store)).toBeNull();
    expect(canonicalLocalLocation('/srv/store/1/%2e%2e/x', store)).toBeNull();
    expect(canonicalLocalLocation('/srv/storex/m', store)).toBe('file:///srv/storex/m');
    expect(canonicalLocalLocation('/mnt/a b/%41#?', undefined)).toBe('file:///mnt/a%20b/%2541%23%3F');
    expect(pathWithin('/a/b', '/a/b/c')).toBe(true);
    expect(pathWithin('/a/b', '/a/bc')).toBe(false);
    expect(lexicalLocalPath('file:///x/./y/../z')).toBe('/x/z');
    expect(lexicalLocalPath('file://host/x')).toBeNull();
    expect(lexicalLocalPath('s3://b/x')).toBeNull();
  });
});
