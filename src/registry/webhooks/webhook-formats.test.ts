import { describe, expect, it } from 'vitest';
import { bosunBody, eventSummary, webhookBodyIn, type DeliveredEvent } from './webhook-formats.js';

const aliasSet: DeliveredEvent = {
  eventId: 41,
  type: 'alias.set',
  modelName: 'fraud <prod> & co',
  version: '7',
  actor: 'alice',
  payload: '{"alias":"champion","previous_version":null}',
  createdAt: 1_700_000_000_000,
};

describe('webhook body formats', () => {
  it("keeps Bosun's own body byte for byte: the recorded payload embedded as it is", () => {
    expect(bosunBody(aliasSet)).toBe(
      '{"id":41,"type":"alias.set","model_name":"fraud <prod> & co","version":"7","actor":"alice",' +
        '"payload":{"alias":"champion","previous_version":null},"created_at":1700000000000}',
    );
    expect(webhookBodyIn('bosun', aliasSet, 'unused-secret-0000')).toBe(bosunBody(aliasSet));
  });

  it('writes a registry event for Slack with its scalar details, escaping what mrkdwn reads as markup', () => {
    expect(eventSummary(aliasSet)).toBe('alias.set: fraud <prod> & co version 7 by alice (alias=champion)');
    const body = JSON.parse(webhookBodyIn('slack', aliasSet, 'unused-secret-0000')) as {
      text: string;
      blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    };
    expect(body.text).toBe('alias.set: fraud &lt;prod&gt; &amp; co version 7 by alice (alias=champion)');
    expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: body.text } });
    expect(body.blocks[1]?.elements?.[0]?.text).toBe(
      '*model* fraud &lt;prod&gt; &amp; co · *version* 7 · *event* alias.set #41',
    );
  });

  it('gives PagerDuty one incident per alert, and resolves it by the same key', () => {
    const fired: DeliveredEvent = {
      eventId: 9,
      type: 'monitor.alert_fired',
      modelName: 'churn',
      version: null,
      actor: null,
      payload: JSON.stringify({
        modelName: 'churn',
        monitorName: 'inputs',
        alertId: '3',
        condition: 'performance',
        message: 'x'.repeat(2000),
      }),
      createdAt: 1_700_000_000_000,
    };
    const trigger = JSON.parse(webhookBodyIn('pagerduty', fired, 'routing-key-0123456789')) as {
      dedup_key: string;
      payload: { summary: string; timestamp: string; class: string };
    };
    expect(trigger).toMatchObject({ routing_key: 'routing-key-0123456789', event_action: 'trigger' });
    expect(trigger.dedup_key).toBe('bosun/churn/monitor-alert/3');
    expect(trigger.payload.summary).toHaveLength(1024); // PagerDuty's limit
    expect(trigger.payload.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(trigger.payload.class).toBe('performance');
    const resolved = { ...fired, eventId: 10, type: 'monitor.alert_resolved' };
    expect(JSON.parse(webhookBodyIn('pagerduty', resolved, 'routing-key-0123456789'))).toEqual({
      routing_key: 'routing-key-0123456789',
      event_action: 'resolve',
      dedup_key: 'bosun/churn/monitor-alert/3',
    });
  });
});
