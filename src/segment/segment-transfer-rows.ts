import { isInt, isJsonText, isText, type RowShape } from '../store/transfer.js';

/**
 * Rows of the segment store in a dump (store 'segment'):
 *   membership  a membership row as stored (the profile id and identity it was written under)
 *   timer       when a profile's memberships may change by time alone
 *   outbox      an audience event not yet flushed to the lake, at its sequence number (the lake's flush progress
 *               counts them: numbers never go back, so the target's next one follows the largest imported)
 *   meta        the open/closed mark (`k` 'open', `v` '1' after an unclean stop: recovery re-evaluates)
 *   active      a sandbox with definitions
 */
export type SegmentRow =
  | { t: 'membership'; sandbox: string; segment: string; pid: string; namespace: string; id: string; status: 'realized' | 'existing' | 'exited'; qualifiedAt: number; version: number }
  | { t: 'timer'; sandbox: string; namespace: string; id: string; due: number }
  | { t: 'outbox'; seq: number; sandbox: string; ts: number; record: string; id: string }
  | { t: 'meta'; k: string; v: string }
  | { t: 'active'; sandbox: string };

export type SegmentRowOf<K extends SegmentRow['t']> = Extract<SegmentRow, { t: K }>;

/** Text stored as it is on every adapter (no NUL). */
const isPlainText = (v: unknown): boolean => isText(v) && !v.includes('\u0000');

export const SEGMENT_ROWS: Readonly<Record<string, RowShape>> = {
  membership: {
    sandbox: isText, segment: isText, pid: isText, namespace: isText, id: isText,
    status: (v) => v === 'realized' || v === 'existing' || v === 'exited', qualifiedAt: isInt, version: isInt,
  },
  timer: { sandbox: isText, namespace: isText, id: isText, due: isInt },
  outbox: { seq: (v) => isInt(v) && v > 0, sandbox: isText, ts: isInt, record: isJsonText, id: isText },
  meta: { k: isPlainText, v: isPlainText },
  active: { sandbox: isText },
};
