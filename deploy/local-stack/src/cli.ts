import { existsSync, readFileSync } from 'node:fs';
import { errorMessage } from '@creditstream/errors';
import { PART_NAMES, type PartName } from './options';
import { down, endpointLines, logFile, status, up } from './stack';

const USAGE = `usage: npm run stack -- <command>

  up            install (first use) and start Kafka, the schema registry, SecantusDB and Prometheus;
                prints KAFKA_BROKERS=, SCHEMA_REGISTRY_URL=, MONGODB_URI=, PROMETHEUS_URL= on stdout
  down          stop what \`up\` started from this checkout
  status        each part: running/stopped, pid, ports, health
  logs [part]   log file path(s) and their last lines; part is one of ${PART_NAMES.join(', ')}

Set KAFKA_BROKERS, SCHEMA_REGISTRY_URL or MONGODB_URI to use an existing server instead of starting that part.
CREDITSTREAM_KAFKA_SECURITY=SASL_SSL starts Kafka with TLS (a generated CA) and SCRAM-SHA-512 users; \`up\` then
also prints the KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_CA_FILE lines clients need.
CREDITSTREAM_STACK_DIR (default <repo>/.stack) with other CREDITSTREAM_*_PORT values runs a second stack, or with
the other endpoint variables set, a second Kafka only, next to the first.`;

const TAIL_LINES = 40;

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log yet)';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

function parsePart(arg: string | undefined): PartName[] {
  if (arg === undefined) return [...PART_NAMES];
  if ((PART_NAMES as readonly string[]).includes(arg)) return [arg as PartName];
  throw new Error(`unknown part "${arg}": expected one of ${PART_NAMES.join(', ')}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  switch (command) {
    case 'up': {
      const endpoints = await up();
      process.stdout.write(`${endpointLines(endpoints).join('\n')}\n`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const rows = await status();
      for (const row of rows) {
        const ports = Object.entries(row.ports).map(([role, port]) => `${role}=${port}`).join(' ');
        const health = row.state === 'stopped' ? '-' : row.healthy ? 'healthy' : 'UNHEALTHY';
        const cells = [row.part.padEnd(10), row.state.padEnd(8), `pid=${row.pid ?? '-'}`.padEnd(11), health.padEnd(9), row.endpoint, ports];
        process.stdout.write(`${cells.join('  ')}${row.detail === undefined ? '' : `  (${row.detail})`}\n`);
      }
      return rows.every((row) => row.healthy) ? 0 : 3;
    }
    case 'logs':
      for (const part of parsePart(arg)) {
        for (const file of [logFile(part), logFile(part).replace(/\.log$/, '-install.log')]) {
          if (file.endsWith('-install.log') && !existsSync(file)) continue;
          process.stdout.write(`==> ${file} <==\n${tail(file, TAIL_LINES)}\n\n`);
        }
      }
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`stack: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
