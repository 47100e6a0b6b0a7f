/** The event shape is the codec's: one definition, in `@creditstream/schema`. */
export type { EventEnvelope } from '@creditstream/schema';
