import { isInt, isJsonText, isNum, isText, type RowShape } from '../../store/transfer.js';
import type { JourneyInstance } from '../journey-types.js';

/**
 * Rows of the journey store in a dump (store 'journey'):
 *   inbox     an input at its sequence number, consumed or not (a consumed one still deduplicates its key)
 *   instance  an instance's JSON document (the adapters derive their indexed columns from it)
 *   outbox    a step event not yet copied to the lake, at its sequence number
 *   cursor    a named cursor's value
 *   seq       the largest sequence number handed out so far per table ('inbox', 'outbox'): numbers never go back,
 *             even when every row was trimmed (the lake's copy progress and the engine's inbox position)
 */
export type JourneyRow =
  | { t: 'inbox'; seq: number; sandbox: string; personKey: string; kind: string; dedupeKey: string; payload: string; at: number; consumed: boolean }
  | { t: 'instance'; doc: string }
  | { t: 'outbox'; seq: number; event: string }
  | { t: 'cursor'; name: string; value: number }
  | { t: 'seq'; table: 'inbox' | 'outbox'; value: number };

export type JourneyRowOf<K extends JourneyRow['t']> = Extract<JourneyRow, { t: K }>;

const isSeq = (v: unknown): boolean => isInt(v) && v > 0;
const isKind = (v: unknown): boolean => v === 'event' || v === 'audience' || v === 'readAudience' || v === 'audienceRun' || v === 'test';
/** An instance document: JSON of an object with the fields the adapters index. */
const isInstanceDoc = (v: unknown): boolean => {
  if (!isJsonText(v)) return false;
  const i = JSON.parse(v) as Partial<JourneyInstance> | null;
  return (
    i !== null && typeof i === 'object' && [i.id, i.sandboxId, i.journeyId, i.versionId, i.personKey].every(isText) &&
    (i.status === 'running' || i.status === 'waiting' || i.status === 'ended') && isNum(i.enteredAt) && (i.wait === undefined || isNum(i.wait?.due))
  );
};

export const JOURNEY_ROWS: Readonly<Record<string, RowShape>> = {
  inbox: { seq: isSeq, sandbox: isText, personKey: isText, kind: isKind, dedupeKey: isText, payload: isText, at: isInt, consumed: (v) => typeof v === 'boolean' },
  instance: { doc: isInstanceDoc },
  outbox: { seq: isSeq, event: isJsonText },
  cursor: { name: isText, value: isNum },
  seq: { table: (v) => v === 'inbox' || v === 'outbox', value: isSeq },
};
