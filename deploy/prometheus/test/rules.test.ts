import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { promtool } from '@creditstream/local-stack';
import { alerts, PROMETHEUS_DIR, ruleTestFiles, RULES_FILE } from '../src';

const run = promisify(execFile);
const RUNBOOK = join(PROMETHEUS_DIR, '..', '..', 'docs', 'runbook.md');

/** Runs promtool and returns its output; a failure throws with everything promtool printed. */
async function promtoolRun(args: string[]): Promise<string> {
  const binary = await promtool();
  try {
    const { stdout, stderr } = await run(binary, args, { cwd: PROMETHEUS_DIR, timeout: 60_000 });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

describe('Prometheus rules (deploy/prometheus)', () => {
  it('pass `promtool check rules`', async () => {
    const output = await promtoolRun(['check', 'rules', RULES_FILE]);
    assert.match(output, /SUCCESS: \d+ rules found/);
  });

  it('pass their `promtool test rules` unit tests', async () => {
    const files = ruleTestFiles();
    const output = await promtoolRun(['test', 'rules', ...files]);
    assert.equal(output.match(/^ {2}SUCCESS$/gm)?.length, files.length, output);
  });

  it('every alert has unit tests, a severity, and a runbook section its runbook_url points to', () => {
    const tests = ruleTestFiles().map((f) => readFileSync(f, 'utf8')).join('\n');
    const runbook = readFileSync(RUNBOOK, 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (\w+)$/gm)].map((m) => (m[1] ?? '').toLowerCase()));
    const names = alerts().map((a) => a.alert);
    assert.ok(names.length >= 8, `only ${names.length} alerts`);
    for (const alert of alerts()) {
      assert.ok(tests.includes(`alertname: ${alert.alert}\n`), `${alert.alert} has no promtool test`);
      assert.ok(['page', 'ticket'].includes(alert.labels?.severity ?? ''), `${alert.alert}: severity must be page or ticket`);
      const anchor = alert.alert.toLowerCase();
      assert.equal(alert.annotations?.runbook_url, `docs/runbook.md#${anchor}`, `${alert.alert}: runbook_url`);
      assert.ok(sections.has(anchor), `docs/runbook.md has no "## ${alert.alert}" section`);
    }
    assert.deepEqual([...sections].filter((s) => s.startsWith('creditstream') && !names.map((n) => n.toLowerCase()).includes(s)), [], 'runbook sections for alerts that do not exist');
  });
});
