import { up } from '@creditstream/local-stack';
import { watchCpu } from '@creditstream/testing';
import type { Benchmark, BenchContext } from './benchmark';
import { api } from './benchmarks/api';
import { chaos } from './benchmarks/chaos';
import { collections } from './benchmarks/collections';
import { credit } from './benchmarks/credit';
import { features } from './benchmarks/features';
import { fraud } from './benchmarks/fraud';
import { memory } from './benchmarks/memory';
import { model } from './benchmarks/model';
import { passthrough } from './benchmarks/passthrough';
import { scoring } from './benchmarks/scoring';
import { soak } from './benchmarks/soak';
import { deleteRunData } from './cleanup';
import { machine, writeResult } from './results';

const BENCHMARKS: Benchmark[] = [passthrough, features, model, scoring, credit, memory, collections, api, fraud, chaos, soak];

function usage(): string {
  return `usage: npm run bench -- NAME [--option=value ...] [--keep]\n\n--keep: leave the run's topics and databases on the stack (deleted at the end by default)\n\nbenchmarks:\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n')}`;
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const bench = BENCHMARKS.find((b) => b.name === name);
  if (!bench) {
    console.error(name ? `unknown benchmark ${JSON.stringify(name)}\n\n${usage()}` : usage());
    process.exit(2);
  }
  const args = new Map(rest.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=') as [string, string]));
  const endpoints = await up({ log: (line) => console.error(`[stack] ${line}`) });
  const started = Date.now();
  const ctx: BenchContext = {
    stack: { ...endpoints, kafkaBrokers: endpoints.kafkaBrokers.split(',') },
    runId: `${bench.name}-${started.toString(36)}`,
    argInt(option, fallback) {
      const raw = args.get(option);
      if (raw === undefined) return fallback;
      const v = Number(raw);
      if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${option}=${raw} is invalid: expected a positive integer`);
      return v;
    },
    argFlag(option, fallback) {
      if (!args.has(option)) return fallback;
      const raw = (args.get(option) ?? '1').toLowerCase();
      if (['1', 'true', 'yes'].includes(raw)) return true;
      if (['0', 'false', 'no'].includes(raw)) return false;
      throw new Error(`--${option}=${raw} is invalid: expected 1 or 0 (true/false, yes/no)`);
    },
    log: (m) => console.error(`[${bench.name}] ${m}`),
  };
  ctx.log(`running on ${endpoints.kafkaBrokers}`);
  const cpuWatch = watchCpu();
  let outcome: Awaited<ReturnType<Benchmark['run']>>;
  try {
    outcome = await bench.run(ctx);
  } finally {
    if (!ctx.argFlag('keep', false)) {
      const deleted = await deleteRunData({ kafkaBrokers: ctx.stack.kafkaBrokers, mongodbUri: endpoints.mongodbUri, runId: ctx.runId }).catch((err: unknown) => {
        ctx.log(`could not delete the run's data (topics and databases named after ${ctx.runId}): ${String(err)}`);
        return null;
      });
      if (deleted) ctx.log(`deleted the run's ${deleted.topics} topics and ${deleted.databases} databases (--keep keeps them)`);
    }
  }
  const { figures, notes } = outcome;
  const cpu = cpuWatch?.stop();
  if (cpu && cpu.stealPct >= 10) ctx.log(`the hypervisor took ${cpu.stealPct}% of the machine's CPU time during this run (steal; up to ${cpu.stealPctMax}% over 10 s): its timing figures measured a slower machine than a quiet one`);
  const file = writeResult({
    benchmark: bench.name,
    figures,
    machine: machine(),
    ...(cpu ? { cpu } : {}),
    command: `npm run bench -- ${[name, ...rest].join(' ')}`,
    finishedAt: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    ...(notes ? { notes } : {}),
  });
  console.log(JSON.stringify({ figures }, null, 2));
  console.error(`wrote ${file} and bench/RESULTS.md`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
