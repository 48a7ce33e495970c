import type { FastifyRequest } from 'fastify';
import type { PipelineService } from '../../pipelines/index.js';
import { NotFoundError } from '../../shared/index.js';
import { readableOf } from '../authz/index.js';

/** Something that belongs to one pipeline by name: a schedule, a trigger. */
interface PipelineItem {
  pipelineName: string;
}

/** The items whose pipeline the caller may read (a pipeline is read through its experiment). */
export async function readablePipelineItems<T extends PipelineItem>(
  request: FastifyRequest,
  pipelines: PipelineService,
  items: readonly T[],
): Promise<T[]> {
  const experiments = new Map(
    (await pipelines.store.listDefinitions()).map((d) => [d.name, d.experimentId] as const),
  );
  const readable = new Set(await readableOf(request, 'experiment', [...new Set(experiments.values())]));
  return items.filter((item) => readable.has(experiments.get(item.pipelineName) ?? ''));
}

/**
 * The item named `name` of `pipeline` (`get` finds it by its unique name); one of another pipeline is answered as
 * absent, the same 404 as an unknown name. Example: `await pipelineItem('Schedule', (n) => schedules.get(n), p, n)`.
 */
export async function pipelineItem<T extends PipelineItem>(
  kind: 'Schedule' | 'Trigger',
  get: (name: string) => Promise<T>,
  pipeline: string,
  name: string,
): Promise<T> {
  const item = await get(name);
  if (item.pipelineName !== pipeline) {
    throw new NotFoundError(`${kind} '${name}' of pipeline '${pipeline}' does not exist`);
  }
  return item;
}
