import { describe, expect, it } from 'vitest';
import { formatKeyValues, formatTable } from './tables.js';

describe('formatTable', () => {
  it('aligns columns two spaces apart under a dashed rule, numbers right-aligned', () => {
    const text = formatTable(
      [{ header: 'ID' }, { header: 'ACC', align: 'right' }],
      [
        ['a1', '0.9'],
        ['b22', '0.95'],
      ],
    );
    expect(text).toBe(['ID    ACC', '---  ----', 'a1    0.9', 'b22  0.95', ''].join('\n'));
  });

  it('leaves no trailing spaces and prints missing cells as empty', () => {
    const text = formatTable([{ header: 'A' }, { header: 'LONG HEADER' }], [['x'], ['yy', 'v']]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toEqual(['A   LONG HEADER', '--  -----------', 'x', 'yy  v']);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it('cuts cells past maxWidth with an ellipsis and keeps the column width', () => {
    const text = formatTable([{ header: 'NAME', maxWidth: 6 }, { header: 'N' }], [['abcdefghij', '1']]);
    expect(text.split('\n')[2]).toBe('abcde…  1');
    expect(text.split('\n')[0]).toBe('NAME    N');
  });

  it('replaces control characters so a newline in a value cannot break the layout', () => {
    const text = formatTable([{ header: 'V' }, { header: 'W' }], [['a\nb', 'c']]);
    expect(text).toBe('V    W\n---  -\na b  c\n');
  });

  it('counts code points, not UTF-16 units', () => {
    const text = formatTable(
      [{ header: 'X' }, { header: 'Y' }],
      [
        ['🙂', '1'],
        ['ab', '2'],
      ],
    );
    expect(text.split('\n')[2]).toBe('🙂   1');
  });

  it('prints only header and rule when there are no rows', () => {
    expect(formatTable([{ header: 'ID' }], [])).toBe('ID\n--\n');
  });
});

describe('formatKeyValues', () => {
  it('aligns values after the longest label', () => {
    expect(
      formatKeyValues([
        ['Run ID', 'abc'],
        ['Experiment ID', '1'],
        ['End time', ''],
      ]),
    ).toBe('Run ID:         abc\nExperiment ID:  1\nEnd time:\n');
  });
});
