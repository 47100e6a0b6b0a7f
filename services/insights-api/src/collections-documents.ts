import type { LoggedAction } from '@creditstream/collections-service';
import type { CollectionLetterIssuedEvent, InterestNoteIssuedEvent, InterestNoteStatusChangedEvent } from '@creditstream/schemas';

/** A collection letter, as the API lists it. */
export type Letter = CollectionLetterIssuedEvent['payload'] & { customerId: string };

/** A change of an interest note's status by a person. */
export interface NoteStatusChange {
  status: string;
  businessDate: string;
  actor: string;
  reason: string;
  commandId: string;
}

/** An interest note with its current status (ISSUED, WAIVED or REVERSED) and the changes that led to it. */
export type InterestNote = InterestNoteIssuedEvent['payload'] & { customerId: string; status: 'ISSUED' | 'WAIVED' | 'REVERSED'; changes: NoteStatusChange[] };

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Latest first: business date descending, then customer and id ascending. */
export const compareLetters = (a: Letter, b: Letter) => byKey(b.businessDate, a.businessDate) || byKey(a.customerId, b.customerId) || byKey(a.letterId, b.letterId);
export const compareNotes = (a: InterestNote, b: InterestNote) => byKey(b.businessDate, a.businessDate) || byKey(a.customerId, b.customerId) || byKey(a.noteId, b.noteId);

/**
 * The collection letters and interest notes of the collections service's actions log, kept up to date from the
 * chunks written since the last read (`CollectionsReader.actionsSince`): each action is applied once, a note's
 * status changes in the order the service made them. Pure apart from its own memory.
 */
export class CollectionsDocuments {
  /** Side-log chunks read (CollectionsReader.actionsSince adds to it). */
  readonly seenChunks = new Set<string>();
  private readonly seenActions = new Set<string>();
  private readonly letterById = new Map<string, Letter>();
  private readonly noteById = new Map<string, InterestNote>();
  /** Status changes of notes not seen yet (cannot happen in one partition's order; kept rather than lost). */
  private readonly early = new Map<string, NoteStatusChange[]>();
  private sortedLetters: Letter[] | null = [];
  private sortedNotes: InterestNote[] | null = [];

  /** Applies actions in the order the service logged them; an action seen before is skipped. Returns how many were new. */
  apply(actions: readonly LoggedAction[]): number {
    let applied = 0;
    for (const a of actions) {
      if (this.seenActions.has(a._id)) continue;
      this.seenActions.add(a._id);
      applied += 1;
      if (a.type === 'CollectionLetterIssued') {
        const e = a.event as CollectionLetterIssuedEvent;
        this.letterById.set(e.payload.letterId, { ...e.payload, customerId: e.customerId });
        this.sortedLetters = null;
      } else if (a.type === 'InterestNoteIssued') {
        const e = a.event as InterestNoteIssuedEvent;
        const note: InterestNote = { ...e.payload, customerId: e.customerId, status: 'ISSUED', changes: [] };
        this.noteById.set(note.noteId, note);
        for (const c of this.early.get(note.noteId) ?? []) change(note, c);
        this.early.delete(note.noteId);
        this.sortedNotes = null;
      } else if (a.type === 'InterestNoteStatusChanged') {
        const p = (a.event as InterestNoteStatusChangedEvent).payload;
        const c: NoteStatusChange = { status: p.status, businessDate: p.businessDate, actor: p.actor, reason: p.reason, commandId: p.commandId };
        const note = this.noteById.get(p.noteId);
        if (note === undefined) this.early.set(p.noteId, [...(this.early.get(p.noteId) ?? []), c]);
        else change(note, c);
        this.sortedNotes = null;
      }
    }
    return applied;
  }

  /** Every letter, latest first. */
  letters(): readonly Letter[] {
    this.sortedLetters ??= [...this.letterById.values()].sort(compareLetters);
    return this.sortedLetters;
  }

  /** Every interest note, latest first. */
  notes(): readonly InterestNote[] {
    this.sortedNotes ??= [...this.noteById.values()].sort(compareNotes);
    return this.sortedNotes;
  }
}

function change(note: InterestNote, c: NoteStatusChange): void {
  note.changes.push(c);
  // REINSTATED puts a waived note back in force.
  note.status = c.status === 'REINSTATED' ? 'ISSUED' : (c.status as InterestNote['status']);
}
