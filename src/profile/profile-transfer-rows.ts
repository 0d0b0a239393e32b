import { isJsonText, isNum, isText, isTextList, type RowShape } from '../store/transfer.js';

/**
 * Rows of the profile store in a dump (store 'profile'), as stored: `ns` is the identity's key (the lower-cased
 * namespace code), `namespace` the code as written; JSON (leaves, event bodies, computed-attribute states) stays the
 * text the store holds. Per-identity event counts (SQLite's profile_event_heavy) are not rows: an import counts them.
 */
export type ProfileRow =
  | { t: 'fragment'; sandbox: string; ns: string; namespace: string; id: string; dataset: string; leaves: string; tags: string[]; updatedAt: number }
  | { t: 'event'; sandbox: string; ns: string; namespace: string; id: string; eventId: string; ts: number; dataset: string; batch: string; body: string; ingestedAt: number }
  | { t: 'ca'; sandbox: string; ns: string; id: string; ca: string; state: string };

export type ProfileRowOf<K extends ProfileRow['t']> = Extract<ProfileRow, { t: K }>;

export const PROFILE_ROWS: Readonly<Record<string, RowShape>> = {
  fragment: { sandbox: isText, ns: isText, namespace: isText, id: isText, dataset: isText, leaves: isJsonText, tags: isTextList, updatedAt: isNum },
  event: { sandbox: isText, ns: isText, namespace: isText, id: isText, eventId: isText, ts: isNum, dataset: isText, batch: isText, body: isJsonText, ingestedAt: isNum },
  ca: { sandbox: isText, ns: isText, id: isText, ca: isText, state: isJsonText },
};
