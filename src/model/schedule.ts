import type { ModelSchedule } from './model-types.js';

/** The next daily run strictly after `after` (epoch ms) at the schedule's UTC `HH:MM`. */
export function nextDailyRun(s: ModelSchedule, after: number): number {
  const [h, m] = s.time.split(':').map(Number) as [number, number];
  const d = new Date(after);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, m);
  if (t <= after) t += 86_400_000;
  return t;
}
