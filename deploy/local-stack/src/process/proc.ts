import { readFileSync } from 'node:fs';

/** What identifies a process beyond its pid, which the kernel may reuse: its command line and its start time. */
export interface ProcessIdentity {
  pid: number;
  /** argv as the kernel reports it in /proc/<pid>/cmdline. */
  cmdline: string[];
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat); differs for a reused pid. */
  startTicks: string;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTicks: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  const startTicks = fields[19];
  if (state === undefined || pgrp === undefined || startTicks === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTicks };
}

function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  } catch {
    return undefined;
  }
}

/** The identity of a live process, or undefined when there is none with that pid (zombies count as gone). */
export function identify(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  const cmdline = readCmdline(pid);
  if (stat === undefined || cmdline === undefined || stat.state === 'Z' || cmdline.length === 0) return undefined;
  return { pid, cmdline, startTicks: stat.startTicks };
}

/** True when the process recorded in `expected` is still that very process: same pid, argv and start time. */
export function isSameProcess(expected: ProcessIdentity): boolean {
  const actual = identify(expected.pid);
  if (actual === undefined) return false;
  return actual.startTicks === expected.startTicks && actual.cmdline.length === expected.cmdline.length && actual.cmdline.every((arg, i) => arg === expected.cmdline[i]);
}

/** True when `pid` leads its own process group, so the whole group (its children too) can be signalled at once. */
export function leadsProcessGroup(pid: number): boolean {
  return readStat(pid)?.pgrp === pid;
}

/** True while any process of the group `pgid` exists (zombies included: they are about to be reaped). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
