import { describe, expect, it } from 'vitest';
import { ALERT_CONDITIONS } from '../monitoring/service/monitoring-types.js';
import { ALERT_CONDITION_NAMES } from '../pipelines/triggers/trigger-types.js';

// Pipelines cannot import monitoring (sibling layers), so a trigger's filter keeps its own list of the alert
// conditions a monitor fires: a new condition in monitoring must be nameable in a trigger too.
describe('alert conditions seen by pipeline triggers', () => {
  it('are exactly the conditions monitoring fires alerts for', () => {
    expect([...ALERT_CONDITION_NAMES].sort()).toEqual([...ALERT_CONDITIONS].sort());
  });
});
