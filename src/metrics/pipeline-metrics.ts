import client from 'prom-client';

/**
 * Counters of the processor's thread (or of whichever thread runs the pipeline inline), on that thread's default
 * registry; the API thread gathers them through typed RPC (`metrics.json()`) and merges them into `/metrics`.
 */
export const recordsTotal = new client.Counter({
  name: 'kith_ingest_records_total',
  help: 'Records through the processor, by stage: received, ingested (lake), failed, duplicate, profile_ingested, profile_not_ingested',
  labelNames: ['stage'] as const,
});

export const failedRecordsTotal = new client.Counter({
  name: 'kith_failed_records_total',
  help: 'Records rejected by the processor (kept in failed records), by failure code',
  labelNames: ['code'] as const,
});

export const journeyActionsTotal = new client.Counter({
  name: 'kith_journey_actions_total',
  help: 'Journey actions run, by kind (http, email, updateProfile) and outcome status',
  labelNames: ['kind', 'status'] as const,
});

const STAGES: Record<string, string> = {
  received: 'received',
  ingested: 'ingested',
  failed: 'failed',
  duplicates: 'duplicate',
  profileIngested: 'profile_ingested',
  profileNotIngested: 'profile_not_ingested',
};

/** Counts what a committed run tally holds (once: after its commit). */
export function countRecords(counts: Readonly<Record<string, number | undefined>>, errors: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(counts)) {
    const stage = STAGES[k];
    if (stage && n) recordsTotal.inc({ stage }, n);
  }
  for (const [code, n] of Object.entries(errors)) if (n) failedRecordsTotal.inc({ code }, n);
}

let segmentationBacklog: (() => number) | undefined;

/** Where the segmentation backlog gauge reads from (the processor's SegmentHost). */
export function watchSegmentationBacklog(f: (() => number) | undefined): void {
  segmentationBacklog = f;
}

export const segmentationBacklogGauge = new client.Gauge({
  name: 'kith_segmentation_backlog_changes',
  help: 'Profile changes forwarded to the segmentation thread and not evaluated yet (segmentation lag)',
  collect() {
    this.set(segmentationBacklog?.() ?? 0);
  },
});
