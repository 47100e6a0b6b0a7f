/** What a partition clock remembers: the latest business-day tick of its partition. */
export interface ClockReading {
  businessDate: string;
  /** The clock topic's offset of that tick. */
  offset: number;
  /** The tick event itself (lazy catch-up applies it to the keys that have not seen it). */
  tick: unknown;
}

/**
 * A task's business-day clock: the latest tick of its partition, moving only forward (a tick at or before the
 * current date changes nothing). Time-dependent rules read it, never the wall clock. Keys catch up with it lazily,
 * when they are next touched; the clock is checkpointed with the task.
 */
export class PartitionClock {
  private current: ClockReading | null = null;

  get reading(): ClockReading | null {
    return this.current;
  }

  get businessDate(): string | null {
    return this.current?.businessDate ?? null;
  }

  /** Moves to `reading` if it is later; returns whether it moved. */
  advance(reading: ClockReading): boolean {
    const c = this.current;
    if (c !== null && (reading.businessDate < c.businessDate || (reading.businessDate === c.businessDate && reading.offset <= c.offset))) return false;
    this.current = reading;
    return true;
  }

  restore(reading: ClockReading | null): void {
    this.current = reading;
  }
}
