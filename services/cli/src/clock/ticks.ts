import { TOPIC } from '@creditstream/schemas';
import { formatDate, formatTimestamp } from '../calendar/dates';
import type { EventRecord } from '../simulator/records';

/**
 * The business-day ticks of `day`: one per partition of the clock topic, each sent to its partition explicitly, so
 * every consumer instance sees the tick for the customers it owns. They are the first events of the day (00:00).
 * @param idPrefix makes the ids of one producer's ticks distinct from another's (e.g. `sim42`, `import`).
 */
export function clockTicks(day: number, previousDay: number | null, partitions: number, idPrefix: string): EventRecord[] {
  const businessDate = formatDate(day);
  const eventTime = formatTimestamp(day, 0);
  const previousBusinessDate = previousDay === null ? null : formatDate(previousDay);
  const ticks: EventRecord[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    ticks.push({
      topic: TOPIC.clock,
      key: '*',
      partition,
      event: {
        eventId: `${idPrefix}-clock-${businessDate}-p${partition}`,
        eventTime,
        customerId: '*',
        causationId: null,
        type: 'BusinessDayTick',
        payload: { businessDate, previousBusinessDate, partition },
      },
    });
  }
  return ticks;
}
