export type * from './types.js';
export {
  createLineageService,
  codeVersionOf,
  codeVersionTags,
  type LineageServiceOptions,
} from './lineage-service.js';
