import { toEpochMs } from '../shared/xdm-helpers.js';

/**
 * Segment's clock-skew correction: the device clock may be off, so shift the device `timestamp` by the difference
 * between our receive time and the device's `sentAt`: `timestamp' = timestamp + (receivedAt - sentAt)`.
 * Without `sentAt` the device timestamp is kept; without a timestamp the receive time is used.
 */
export function correctTimestamp(timestamp: unknown, sentAt: unknown, receivedAt: number): string {
  const ts = toEpochMs(timestamp);
  if (ts === undefined) return new Date(receivedAt).toISOString();
  const sent = toEpochMs(sentAt);
  if (sent === undefined) return new Date(ts).toISOString();
  const corrected = ts + (receivedAt - sent);
  // a shift that leaves Date's range (±8.64e15 ms) cannot be meant: keep the device timestamp
  return new Date(Math.abs(corrected) <= 8.64e15 ? corrected : ts).toISOString();
}
