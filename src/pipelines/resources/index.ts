/**
 * Resource classes defined on the server (`bosun server --resource-classes FILE`): the price of a step's wall
 * time, its capacity (on-demand or spot), and where it is placed (Kubernetes node selector and tolerations,
 * worker labels).
 *
 * @example
 * import { loadResourceClassesFile } from '../pipelines/index.js';
 * const classes = await loadResourceClassesFile('resource-classes.yaml');
 */
export {
  loadResourceClassesFile,
  parseResourceClasses,
  RESOURCE_CAPACITIES,
  ResourceClasses,
  type ResourceCapacity,
  type ResourceClass,
  type ResourceToleration,
} from './resource-classes.js';
export { checkResourceClasses, hourlyPrice, runsOnSpot, stepClassName } from './step-class.js';
