/**
 * What every folder may use: typed errors, clocks, ids and their syntax, Unicode text checks, the configuration
 * (the only reader of the environment), the master key and the permission level names it reads.
 */
export * from './errors.js';
export * from './clock.js';
export * from './ids.js';
export * from './id-syntax.js';
export * from './unicode-text.js';
export * from './bind-methods.js';
export * from './config.js';
export * from './s3-config.js';
export * from './client-config.js';
export * from './master-key.js';
export * from './permission-levels.js';
export * from './round-loop.js';
