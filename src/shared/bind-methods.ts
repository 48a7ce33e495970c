export type Methods<T> = { [K in keyof T]: T[K] };

/**
 * Binds every prototype method of a service object into a plain object, so that several services can be
 * spread into one facade. Example: `const facade = { ...bindMethods(new RunService(ctx)), ...bindMethods(other) }`.
 */
export function bindMethods<T extends object>(service: T): Methods<T> {
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(service))) {
    const member = (service as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof member === 'function') bound[name] = member.bind(service);
  }
  return bound as Methods<T>;
}
