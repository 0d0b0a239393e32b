import { isInt, isJsonText, isNum, isText, isTextOrNull, type RowShape } from '../store/transfer.js';

/**
 * Rows of the identity graph store in a dump (store 'identity'). The stored form moves as it is, positions kept, so
 * the target's load/loadAt/tail/history/observations answer the same without replaying the log:
 *   chunk    a snapshot chunk (snapshot-chunks.ts: kind 'N'/'E', `n` rows, columnar JSON `data`) at its place `seq`
 *   obs      an observation-log row (a run, observation-runs.ts) at its log position `seq`, removed ones too
 *   history  a history entry at its position `seq` (entries are listed newest first by it)
 *   mark     a sandbox's checkpoint mark (`seq`: the log position the snapshot reflects) and generation
 * Optional history fields are null when absent.
 */
export type IdentityRow =
  | { t: 'chunk'; sandbox: string; seq: number; kind: string; n: number; data: string }
  | { t: 'obs'; sandbox: string; seq: number; at: number; dataset: string; batch: string; record: string; identities: string; removed: boolean }
  | {
      t: 'history';
      sandbox: string;
      seq: number;
      at: number;
      op: string;
      a: string;
      b: string | null;
      rule: string | null;
      record: string | null;
      dataset: string | null;
      batch: string | null;
      detail: string | null;
    }
  | { t: 'mark'; sandbox: string; seq: number; generation: number };

export type IdentityRowOf<K extends IdentityRow['t']> = Extract<IdentityRow, { t: K }>;

const isPos = (v: unknown): boolean => isInt(v) && v > 0;
const isCount = (v: unknown): boolean => isInt(v) && v >= 0;

export const IDENTITY_ROWS: Readonly<Record<string, RowShape>> = {
  chunk: { sandbox: isText, seq: isPos, kind: (v) => v === 'N' || v === 'E' || v === 'n' || v === 'e', n: isCount, data: isJsonText },
  obs: { sandbox: isText, seq: isPos, at: isNum, dataset: isText, batch: isText, record: isText, identities: isJsonText, removed: (v) => typeof v === 'boolean' },
  history: {
    sandbox: isText, seq: isPos, at: isNum, op: isText, a: isText,
    b: isTextOrNull, rule: isTextOrNull, record: isTextOrNull, dataset: isTextOrNull, batch: isTextOrNull, detail: isTextOrNull,
  },
  mark: { sandbox: isText, seq: isCount, generation: isCount },
};

/** Snapshot chunks and observation runs are large rows (a chunk up to ~1 MB): fewer per dump line. */
export const CHUNKS_PER_BATCH = 16;
export const RUNS_PER_BATCH = 200;
