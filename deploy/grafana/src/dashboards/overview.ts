import { INPUT_RECORDS, LAG_MESSAGES, type DashboardSpec } from '../spec';

/** Every service at a glance: flow in and out, lag, dead letters, checkpoints, rebalances, memory. */
export const overview: DashboardSpec = {
  uid: 'creditstream-overview',
  title: 'creditstream / overview',
  description: 'Events in and out per service, consumer lag in messages and seconds, dead letters, checkpoints and rebalances. Runbook: docs/runbook.md.',
  rows: [
    {
      title: 'Flow',
      panels: [
        {
          title: 'Events in per second',
          description: 'Input records processed per second, per service (partition-task runtime and consumer runner).',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: `sum by (service) (rate(${INPUT_RECORDS}[$__rate_interval]))`, legend: '{{service}}' }],
        },
        {
          title: 'Events out per second',
          description: 'Messages acknowledged by the broker, per service and topic.',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: 'sum by (service, topic) (rate(creditstream_producer_messages_total[$__rate_interval]))', legend: '{{service}} → {{topic}}' }],
        },
        {
          title: 'Consumer lag (messages)',
          description: 'Messages not processed yet: behind the last fetched batch plus fetched and waiting in partition tasks. Alert: CreditstreamConsumerLagGrowing.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: LAG_MESSAGES, legend: '{{service}}' }],
        },
        {
          title: 'Consumer lag (seconds)',
          description: 'How long the service needs, at its current processing rate, to work off its lag; +Inf when it processes nothing while lagging.',
          kind: 'timeseries',
          unit: 's',
          queries: [{ expr: `${LAG_MESSAGES} / sum by (service) (rate(${INPUT_RECORDS}[$__rate_interval]))`, legend: '{{service}}' }],
        },
        {
          title: 'Dead letters per second',
          description: 'Input sent to the dead-letter topics, by service, source topic and reason. Alert: CreditstreamDeadLetters.',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: 'sum by (service, topic, reason) (rate(creditstream_dead_letters_total[$__rate_interval]))', legend: '{{service}} {{topic}} {{reason}}' }],
        },
      ],
    },
    {
      title: 'State and checkpoints',
      panels: [
        {
          title: 'Checkpoint duration',
          description: 'Time of one checkpoint (outputs acknowledged, state and side logs written, offsets committed), p50 and p99. Alert: CreditstreamCheckpointFailing.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            { expr: 'histogram_quantile(0.5, sum by (service, le) (rate(creditstream_task_checkpoint_seconds_bucket[$__rate_interval])))', legend: '{{service}} p50' },
            { expr: 'histogram_quantile(0.99, sum by (service, le) (rate(creditstream_task_checkpoint_seconds_bucket[$__rate_interval])))', legend: '{{service}} p99' },
          ],
        },
        {
          title: 'Checkpoint backlog',
          description: 'Records processed but not yet checkpointed (bounded by maxUncommittedRecords), per service.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: 'sum by (service) (creditstream_task_uncommitted_records)', legend: '{{service}}' }],
        },
        {
          title: 'Waiting on checkpoints or the broker',
          description: 'Share of time processing waited because the uncommitted backlog reached its bound (cause checkpoint) or the unacknowledged outputs did (cause broker). Alert: CreditstreamCheckpointBacklogAtBound.',
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [{ expr: 'sum by (service, cause) (rate(creditstream_task_backpressure_seconds_total[$__rate_interval]))', legend: '{{service}} {{cause}}' }],
        },
        {
          title: 'Checkpoint documents written per second',
          description: 'MongoDB documents written by checkpoints (state slots, side logs, task documents).',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: 'sum by (service) (rate(creditstream_task_checkpoint_documents_total[$__rate_interval]))', legend: '{{service}}' }],
        },
        {
          title: 'State size',
          description: 'Serialised (compressed) state bytes held by the partition tasks, per service.',
          kind: 'timeseries',
          unit: 'bytes',
          queries: [{ expr: 'sum by (service) (creditstream_task_state_bytes)', legend: '{{service}}' }],
        },
      ],
    },
    {
      title: 'Group membership and processes',
      panels: [
        {
          title: 'Rebalances: tasks taken over',
          description: 'Partition tasks restored per interval (each rebalance that moves a partition restores its task), and tasks fenced by another instance.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            { expr: 'sum by (service) (increase(creditstream_task_restore_seconds_count[$__rate_interval]))', legend: '{{service}} taken over' },
            { expr: 'sum by (service) (increase(creditstream_task_fenced_total[$__rate_interval]))', legend: '{{service}} fenced' },
          ],
        },
        {
          title: 'Group joins per instance',
          description: 'Times each instance joined its consumer group (one per rebalance it took part in). One instance joining again and again alone was dropped for late heartbeats: a CPU-starved host. Alert: CreditstreamGroupRejoining.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: 'sum by (service, instance) (increase(creditstream_group_joins_total[$__rate_interval]))', legend: '{{service}} {{instance}}' }],
        },
        {
          title: 'Partition tasks per service',
          description: 'Partition tasks the instances of each service run.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: 'sum by (service) (creditstream_tasks)', legend: '{{service}}' }],
        },
        {
          title: 'Targets up',
          description: 'creditstream processes Prometheus scrapes, and whether they answer. Alert: CreditstreamServiceDown.',
          kind: 'stat',
          unit: 'short',
          queries: [{ expr: 'sum(up{job="creditstream"})', legend: 'up' }, { expr: 'count(up{job="creditstream"} == 0) or vector(0)', legend: 'down' }],
        },
        {
          title: 'Resident memory',
          description: 'RSS per process.',
          kind: 'timeseries',
          unit: 'bytes',
          queries: [{ expr: 'max by (service, instance) (process_resident_memory_bytes{service!=""})', legend: '{{service}} {{instance}}' }],
        },
      ],
    },
  ],
};
