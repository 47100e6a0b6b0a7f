/**
 * Progress between services. A service that reads another's outputs (collections reads the scoring service's
 * predictions, credit reads the fraud checks) would take them in a different order live than in a replay: live, an
 * output arrives some time after the records of the same business time, a replay has it at once. So each service
 * announces, per partition, the business time it has produced its outputs up to, with their end offsets (a
 * `StreamProgress` event on the progress topic); a task that awaits it takes a business-day tick only once the
 * upstream is past that tick and every output below the announced offsets has been fetched. Its records are then
 * merged in business-time order as in a replay, whatever the upstream's delay. Pure: the task feeds it.
 */

/** What a service announced on one partition. */
export interface ProgressMark {
  readonly service: string;
  /** Business time (ms) the service has produced its outputs up to. */
  readonly time: number;
  /** Output topic → offset after the last record it had produced there (on this partition) when it announced. */
  readonly ends: Readonly<Record<string, number>>;
}

/** What a task checkpoints of its progress (restored with the task). */
export interface ProgressSnapshot {
  /** The latest marks of the services it awaits. */
  marks: ProgressMark[];
  /** Business time this task has completed (a tick with its deferred work; or, without a clock, its upstreams' marks). */
  completed: number | null;
  /** Business time of the latest tick it processed. */
  tick?: number | null;
}

/** The progress of the services a task awaits, as read from the progress topic. */
export class ProgressGate {
  /** Per awaited service, its marks in business-time order: the last one processed through, and any later ones. */
  private readonly marks = new Map<string, ProgressMark[]>();

  /** @param awaits the services whose progress is kept. */
  constructor(readonly awaits: readonly string[]) {
    for (const s of awaits) this.marks.set(s, []);
  }

  /** Takes a mark read from the progress topic (marks of other services, and older ones, change nothing). */
  observe(mark: ProgressMark): void {
    const list = this.marks.get(mark.service);
    if (list === undefined) return;
    const last = list[list.length - 1];
    if (last !== undefined && mark.time < last.time) return;
    if (last !== undefined && mark.time === last.time) list[list.length - 1] = merge(last, mark);
    else list.push(mark);
  }

  /**
   * Whether a tick at `time` may be taken: every awaited service is at or past it, and every output it announced up
   * to it is fetched (`fetched(topic)`: the next offset the task expects on an input topic; topics that are no input
   * are ignored). Returns the first of `services` that holds it back, or null.
   */
  blocking(time: number, fetched: (topic: string) => number | undefined, services: readonly string[] = this.awaits): string | null {
    for (const service of services) {
      const mark = this.marks.get(service)?.find((m) => m.time >= time);
      if (mark === undefined || !covered(mark, fetched)) return service;
    }
    return null;
  }

  /**
   * The business time a task without its own clock has got to: the earliest, over its awaited services, of the
   * latest mark whose outputs it has processed (`processed(topic)`: its next offset to process on an input topic),
   * or null while some service has none. Forgets the marks before those.
   */
  reached(processed: (topic: string) => number | undefined, services: readonly string[] = this.awaits): number | null {
    let time: number | null = null;
    for (const service of services) {
      const list = this.marks.get(service) ?? [];
      let done = -1;
      for (let i = 0; i < list.length && covered(list[i] as ProgressMark, processed); i++) done = i;
      if (done < 0) return null;
      if (done > 0) list.splice(0, done);
      const t = (list[0] as ProgressMark).time;
      time = time === null ? t : Math.min(time, t);
    }
    return time;
  }

  /** Forgets the marks before `time` (a task past a tick at `time` never asks about earlier times again). */
  forget(time: number): void {
    for (const list of this.marks.values()) {
      let n = 0;
      while (n < list.length && (list[n] as ProgressMark).time < time) n++;
      if (n > 0) list.splice(0, n);
    }
  }

  /** The marks kept (checkpointed with the task). */
  snapshot(): ProgressMark[] {
    return [...this.marks.values()].flat();
  }

  restore(marks: readonly ProgressMark[] | null | undefined): void {
    for (const list of this.marks.values()) list.length = 0;
    for (const m of marks ?? []) this.observe(m);
  }
}

function covered(mark: ProgressMark, at: (topic: string) => number | undefined): boolean {
  for (const [topic, end] of Object.entries(mark.ends)) {
    const position = at(topic);
    if (position !== undefined && position < end) return false;
  }
  return true;
}

/** Two announcements of one business time (a re-announcement after a restore): the later offsets of each. */
function merge(a: ProgressMark, b: ProgressMark): ProgressMark {
  const ends: Record<string, number> = { ...a.ends };
  for (const [t, o] of Object.entries(b.ends)) ends[t] = Math.max(ends[t] ?? 0, o);
  return { service: a.service, time: a.time, ends };
}

const DAY_MS = 86_400_000;

/**
 * The start (ms) of the UTC day after the one `time` falls in. A service awaited for its daily run stamps what that
 * run produces for the others just before it (`endOfDay(tick) - 1`), and their records from there on wait for its
 * progress on the tick (`awaitsDailyRun`): the rest of the tick's day is decided without it, live as in a replay.
 */
export function endOfDay(time: number): number {
  return (Math.floor(time / DAY_MS) + 1) * DAY_MS;
}
