import { InvalidParameterError } from '../../shared/index.js';

/**
 * Runs a web-UI artifact handler; a refused artifact path (Bosun's "Invalid path: <path> (<why>)") answers
 * exactly MLflow's `Invalid path`, which is all MLflow's web-UI routes say and what its tests compare.
 * Example: `async (req, reply) => withMlflowPathErrors(() => serve(req, reply))`.
 */
export async function withMlflowPathErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidParameterError && error.message.startsWith('Invalid path')) {
      throw new InvalidParameterError('Invalid path');
    }
    throw error;
  }
}
