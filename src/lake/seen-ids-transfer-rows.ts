import { isInt, isText, type RowShape } from '../store/transfer.js';

/** Rows of the `_id` dedupe index in a dump (store 'seen-ids'): a remembered id, or a lake consumer's seen mark. */
export type SeenIdsRow = { t: 'id'; datasetKey: string; id: string } | { t: 'mark'; consumer: string; offset: number };

export const SEEN_IDS_ROWS: Readonly<Record<string, RowShape>> = {
  id: { datasetKey: isText, id: isText },
  mark: { consumer: isText, offset: isInt },
};
