/**
 * Bounds a Map used as a cache in insertion order (oldest first) to `max` entries, approximately least recently
 * used first (CLOCK / second chance): an entry marked `used` since it last came round is moved to the end, unmarked,
 * instead of evicted. Marking a read entry is cheaper than moving it to the end at every read (two hash operations).
 */
export function evictSecondChance<K, V extends { used?: boolean }>(map: Map<K, V>, max: number): void {
  let spins = 0;
  while (map.size > max) {
    const [k, v] = map.entries().next().value!;
    map.delete(k);
    if (v.used && spins++ < map.size) {
      v.used = false;
      map.set(k, v);
    }
  }
}
