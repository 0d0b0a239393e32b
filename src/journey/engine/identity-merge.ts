import type { JourneyInstance } from '../journey-types.js';

/**
 * Identity merge: among a person's instances (every key of their graph), two active instances of the same journey
 * mean two keys were stitched into one person. The one entered first goes on; the others are the losers (ended with
 * eventID `identityMerge`). Test instances never count.
 */
export function mergeLosers(instances: readonly JourneyInstance[]): JourneyInstance[] {
  const winner = new Map<string, JourneyInstance>();
  const losers: JourneyInstance[] = [];
  const sorted = instances.filter((i) => i.status !== 'ended' && !i.inTest).sort((a, b) => a.enteredAt - b.enteredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const i of sorted) {
    if (winner.has(i.journeyId)) losers.push(i);
    else winner.set(i.journeyId, i);
  }
  return losers;
}
