import * as assert from 'node:assert/strict';
import { EVENT_TYPES, EXAMPLE_EVENTS, TOPICS } from '@creditstream/schemas';
import { schemaProblems } from './helpers';

describe('event contract examples', () => {
  it('there is an example of every event type of every topic, and each matches its schema', () => {
    for (const t of TOPICS) {
      for (const type of EVENT_TYPES[t.name as keyof typeof EVENT_TYPES]) {
        const event = EXAMPLE_EVENTS[type];
        assert.equal(event.type, type);
        assert.deepEqual(schemaProblems({ topic: t.name, key: event.customerId, event: event as never }), [], `${t.name} ${type}`);
      }
    }
  });
});
