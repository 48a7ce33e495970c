import { describe, expect, it } from 'vitest';
import { fixture } from './test-support/fixtures.js';
import { scanBuffer, type ScanVerdict } from './index.js';

const LISTED = [
  'pandas.io.pickle.read_pickle',
  'distutils.spawn.spawn',
  'mlflow.pyfunc.load_model',
  'site.main',
  '_thread.start_new_thread',
  'keras.models.load_model',
  'lib2to3.main.main',
  'tempfile.mkstemp',
  'dbm.open',
];

function hits(v: ScanVerdict): string[] {
  return v.findings
    .filter((f) => f.kind === 'dangerous-global')
    .map((f) => `${f.file} ${f.module}.${f.name}`)
    .sort();
}

describe('tar archives', () => {
  for (const name of ['unlisted.tar', 'unlisted.tar.gz', 'unlisted.tgz']) {
    it(`${name}: every member is scanned and named`, () => {
      const v = scanBuffer(name, fixture(`tar/${name}`));
      expect(v.status).toBe('unsafe');
      const inner = 'unlisted.tar'; // .tar.gz and .tgz name their inflated tar so
      expect(hits(v)).toEqual(LISTED.map((q) => `${inner}!model/${q}.pkl ${q}`).sort());
    });
  }

  it('ustar, pax (long names) and GNU long-name headers', () => {
    expect(hits(scanBuffer('a.tar', fixture('tar/os_system.tar')))).toEqual(['a.tar!data.pkl posix.system']);
    const pax = hits(scanBuffer('p.tar', fixture('tar/exec_pax.tar')));
    expect(pax).toEqual([`p.tar!d/${'long'.repeat(40)}/data.pkl builtins.exec`]);
    const gnu = hits(scanBuffer('g.tar', fixture('tar/popen_gnu.tar')));
    expect(gnu).toEqual([`g.tar!g/${'long'.repeat(40)}/data.pkl subprocess.Popen`]);
  });

  it('archives inside archives: a PyTorch zip in a tar, a tar in a zip', () => {
    expect(hits(scanBuffer('z.tar', fixture('tar/zip_in_tar.tar')))).toEqual([
      'z.tar!model.pt!archive/data.pkl runpy._run_code',
    ]);
    expect(hits(scanBuffer('t.zip', fixture('tar/tar_in_zip.zip')))).toEqual([
      't.zip!bundle.tar!m/site.main.pkl site.main',
    ]);
  });

  it('a tar whose header is also a pickle (a polyglot) is read as both', () => {
    const v = scanBuffer('p.tar', fixture('tar/polyglot.tar'));
    expect(v.status).toBe('unsafe');
    expect(hits(v)).toEqual(['p.tar posix.system']);
    // a callable on no list whose call comes megabytes later, past what is read of the start
    const long = scanBuffer('l.tar', fixture('tar/polyglot_long.tar'));
    expect(long.status).toBe('suspicious');
    expect(long.findings).toEqual([
      expect.objectContaining({
        kind: 'unknown-global',
        module: 'zipapp',
        name: 'create_archive',
        file: 'l.tar',
      }),
    ]);
  });

  it('a clean tar.gz is clean, with its members scanned', () => {
    const v = scanBuffer('c.tar.gz', fixture('tar/clean.tar.gz'));
    expect(v.status).toBe('clean');
    expect(v.scannedFiles).toBeGreaterThanOrEqual(2);
  });

  it('.tar.bz2, .tar.xz and 7z cannot be opened: the scan fails (closed), never clean', () => {
    for (const [name, kind] of [
      ['os_system.tar.bz2', 'bz2'],
      ['os_system.tar.xz', 'xz'],
      ['model.7z', '7z'],
    ] as const) {
      const v = scanBuffer(name, fixture(`tar/${name}`));
      expect(v.status, name).toBe('failed');
      if (v.status === 'failed')
        expect(v.error).toContain(`${kind}-compressed content cannot be decompressed`);
    }
  });

  it('a truncated tar fails; the member count and depth bounds apply', () => {
    const t = scanBuffer('t.tar', fixture('tar/truncated.tar'));
    expect(t.status).toBe('failed');
    if (t.status === 'failed') expect(t.error).toContain('runs past the end');
    const many = scanBuffer('m.tar', fixture('tar/many.tar'), { maxArchiveMembers: 10 });
    expect(many.status).toBe('failed');
    if (many.status === 'failed') expect(many.error).toContain('maxArchiveMembers');
    const deep = scanBuffer('z.tar', fixture('tar/zip_in_tar.tar'), { maxArchiveDepth: 1 });
    expect(deep.status).toBe('failed');
    if (deep.status === 'failed') expect(deep.error).toContain('maxArchiveDepth');
  });
});
