import type { SeenIds } from '../processor-ports.js';
import type { ValidatedRecord } from './validate-record.js';

/**
 * `_id` dedupe of a chunk's valid records: ExperienceEvents, and records whose `_id` names one send (Edge profile
 * records, retried by their sender). A record is a duplicate when its id is in the chunk before it, in a chunk still
 * in the lake lane (`inLane`), or seen before. Records at or below the lake marker (a replayed part of the chunk) are
 * already in the lake: their ids count as seen (after a crash between the lake write and rememberThrough, the seen
 * ids may not hold them yet) and are remembered again.
 * Answers the duplicates' log offsets and the ids to remember per `<sandbox>/<dataset>`.
 */
export async function dedupeIds(
  ok: readonly ValidatedRecord[],
  marker: number,
  seen: SeenIds,
  inLane: (datasetKey: string, id: string) => boolean,
): Promise<{ dup: Set<number>; remembered: Map<string, string[]> }> {
  const dedupes = (v: ValidatedRecord) => (v.isEvent || v.entry.uniqueId === true) && typeof v.entity._id === 'string';
  const keyOf = (v: ValidatedRecord) => `${v.entry.sandboxId}/${v.dataset.id}`;
  const byDataset = new Map<string, ValidatedRecord[]>();
  const written = new Map<string, Set<string>>();
  for (const v of ok) {
    if (!dedupes(v)) continue;
    const k = keyOf(v);
    if (v.entry.offset > marker) (byDataset.get(k) ?? byDataset.set(k, []).get(k)!).push(v);
    else (written.get(k) ?? written.set(k, new Set()).get(k)!).add(v.entity._id as string);
  }
  const dup = new Set<number>();
  const remembered = new Map<string, string[]>();
  for (const [k, list] of byDataset) {
    const before = await seen.seen(k, list.map((v) => v.entity._id as string));
    const inChunk = new Set<string>(written.get(k) ?? []);
    const ids: string[] = [];
    for (const v of list) {
      const id = v.entity._id as string;
      if (before.has(id) || inChunk.has(id) || inLane(k, id)) dup.add(v.entry.offset);
      else ids.push(id);
      inChunk.add(id);
    }
    remembered.set(k, ids);
  }
  for (const [k, ids] of written) remembered.set(k, [...(remembered.get(k) ?? []), ...ids]);
  return { dup, remembered };
}
