import type { DatasetDirectory } from '../../ingest/ports.js';
import type { IngestMessage, LogAppender } from '../../ingest/collection/collection-service.js';
import type { SourceOutput, XdmRecord } from '../shared/xdm-output.js';
import type { SourceDatasets } from './source-provisioner.js';

export interface SourceTarget extends SourceDatasets {
  sandboxId: string;
  orgId: string;
  /** Shown as the message source (e.g. "shopify:acme.myshopify.com"). */
  sourceName: string;
  /** The source's base connection (its dataflow runs count the messages by it). */
  connectionId?: string;
}

export interface WriteMeta {
  receivedAt: number;
  xactionBase: string;
  requestId: string;
  rejected?: Array<{ reason: string; raw: string }>;
  /**
   * Profile records (of `out.profiles`) whose `_id` names one send (the Edge's: the Commerce connector's outbox resends
   * a record with its `_id`): marked so the processor drops a resent one on `_id`, as it does ExperienceEvents. Other
   * sources' profile `_id`s are not unique per send and are never deduplicated.
   */
  uniqueIdProfiles?: ReadonlySet<XdmRecord>;
}

/**
 * Routes a source mapper's output into the ingest log: profile records to the profile dataset, events to the event
 * dataset, and each identity link set as an identities-only profile record (a record with two or more identities
 * links them). Messages a source rejected go in as parse failures, so they land in the failed-records store with
 * their reason. Resolves once every message is durably committed.
 */
export class SourceSink {
  constructor(
    private readonly datasets: DatasetDirectory,
    private readonly log: LogAppender,
  ) {}

  async write(t: SourceTarget, out: SourceOutput, meta: WriteMeta): Promise<{ profiles: number; events: number } | { error: string }> {
    const profileDs = await this.datasets.getDataset(t.sandboxId, t.profileDataSetId);
    const eventDs = await this.datasets.getDataset(t.sandboxId, t.eventDataSetId);
    if (!profileDs || !eventDs) return { error: 'the source connection points at a dataset that no longer exists' };
    const msgs: IngestMessage[] = [];
    let n = 0;
    const conn = t.connectionId ? `,"c":${JSON.stringify(t.connectionId)}` : '';
    const push = (ds: typeof profileDs, entity: unknown, uniqueId = false) => {
      const x = `${meta.xactionBase}:${n++}`;
      msgs.push({
        sandboxId: t.sandboxId,
        orgId: t.orgId,
        inletId: '',
        datasetId: ds.id,
        kind: 'xdm',
        receivedAt: meta.receivedAt,
        xactionId: x,
        requestId: meta.requestId,
        payload: `{"d":${JSON.stringify(ds.id)},"s":${JSON.stringify(ds.schemaId)},"x":${JSON.stringify(x)},"src":${JSON.stringify(t.sourceName)}${conn}${uniqueId ? ',"u":1' : ''},"e":${JSON.stringify(entity)}}`,
      });
    };
    for (const p of out.profiles) push(profileDs, p, meta.uniqueIdProfiles?.has(p) === true && typeof p._id === 'string');
    for (const e of out.events) push(eventDs, e);
    for (const link of out.identityLinks) {
      if (link.length < 2) continue;
      const identityMap: Record<string, Array<{ id: string }>> = {};
      for (const i of link) (identityMap[i.namespace] ??= []).push({ id: i.id });
      push(profileDs, { identityMap });
    }
    for (const r of meta.rejected ?? []) {
      const x = `${meta.xactionBase}:${n++}`;
      msgs.push({
        sandboxId: t.sandboxId,
        orgId: t.orgId,
        inletId: '',
        datasetId: eventDs.id,
        kind: 'xdm',
        receivedAt: meta.receivedAt,
        xactionId: x,
        requestId: meta.requestId,
        payload: `{"d":${JSON.stringify(eventDs.id)},"s":${JSON.stringify(eventDs.schemaId)},"x":${JSON.stringify(x)},"src":${JSON.stringify(t.sourceName)}${conn},"err":${JSON.stringify(r.reason)},"raw":${JSON.stringify(r.raw)}}`,
      });
    }
    if (msgs.length) await this.log.append(msgs);
    return { profiles: out.profiles.length, events: out.events.length };
  }
}
