/**
 * Metrics that dashboards and alerts read but no code exports yet: the contract of services that do not exist
 * (credit, fraud, collections) and of metrics an existing service has yet to add. The catalogue lists them apart,
 * and a test fails when one of them appears in the code (it then belongs to the generated part) or when a
 * dashboard or rule reads a metric that is in neither.
 */
export interface ContractMetric {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: string[];
  help: string;
  /** Who will export it, and why it is not exported yet. */
  owner: string;
}

export const CONTRACT_METRICS: readonly ContractMetric[] = [];
