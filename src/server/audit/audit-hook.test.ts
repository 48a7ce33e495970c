import { describe, expect, it } from 'vitest';
import { isWellFormedText } from '../../shared/unicode-text.js';
import { resourceOf } from './audit-resources.js';

describe('resourceOf', () => {
  it('shortens a long identifier without splitting a surrogate pair', () => {
    for (const prefix of ['', 'a']) {
      const name = `${prefix}${'😀'.repeat(300)}`;
      const resource = resourceOf('registry', { params: {}, body: { name }, query: {} });
      expect(resource.type).toBe('registered_model');
      const id = resource.id ?? '';
      expect(id.length).toBeLessThanOrEqual(256);
      expect(id.endsWith('…')).toBe(true);
      expect(isWellFormedText(id)).toBe(true);
      expect(name.startsWith(id.slice(0, -1))).toBe(true);
    }
  });

  it('keeps a short identifier as it is', () => {
    expect(resourceOf('ids', { params: {}, body: { run_id: 'abc' }, query: {} })).toEqual({
      type: 'run',
      id: 'abc',
    });
  });
});
