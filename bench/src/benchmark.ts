import type { Figure } from './results';

/** Where the benchmark runs: the real local stack (or the clusters named by the environment). */
export interface BenchContext {
  stack: { kafkaBrokers: string[]; schemaRegistryUrl: string; mongodbUri: string; prometheusUrl: string };
  /** Unique per run: topics, groups and databases of a run never collide with earlier runs. */
  runId: string;
  /** `--NAME=VALUE` arguments, for scaling a benchmark down while developing it. */
  argInt(name: string, fallback: number): number;
  /** A yes/no option: `--name`, `--name=1|true|yes` or `--name=0|false|no`; the fallback when absent. */
  argFlag(option: string, fallback: boolean): boolean;
  log(message: string): void;
}

/** A benchmark: a name and a function that measures and returns its figures. */
export interface Benchmark {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<{ figures: Record<string, Figure>; notes?: string[] }>;
}
