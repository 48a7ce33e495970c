import { describe, expect, it } from 'vitest';
import { isVisible } from '../../search/index.js';

describe('isVisible', () => {
  it('reads every resource, every one but the hidden, or only the shown', () => {
    expect(isVisible({ kind: 'all' }, '7')).toBe(true);
    expect(isVisible({ kind: 'except', resources: ['7'] }, '7')).toBe(false);
    expect(isVisible({ kind: 'except', resources: ['7'] }, '8')).toBe(true);
    expect(isVisible({ kind: 'only', resources: ['7'] }, '7')).toBe(true);
    expect(isVisible({ kind: 'only', resources: [] }, '7')).toBe(false);
  });
});
