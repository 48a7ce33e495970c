import { describe, expect, it } from 'vitest';
import { pipeline } from './pipeline-builder.js';

describe('the TypeScript DSL, image', () => {
  it("writes a step's image (the Kubernetes executor's container) into the document", () => {
    const spec = pipeline('imaged', (p) => {
      p.step('train', { command: ['python', 'train.py'], image: 'registry.example.com/ml/train:1.4' });
    });
    expect(spec.steps['train']).toEqual({
      command: ['python', 'train.py'],
      image: 'registry.example.com/ml/train:1.4',
    });
  });
});
