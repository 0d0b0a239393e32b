import type { AcceptedRecord, RecordSink } from '../ingest/processor/processor-ports.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { IdentitySink } from '../identity/identity-sink.js';
import type { LinkingRules } from '../identity/linking-rules.js';
import type { NotIngestedItem, NotIngestedSink } from '../lake/not-ingested-store.js';
import type { BatchItem, ProfileService } from './profile-service.js';
import { recordEventTime } from './fragment-merge.js';
import { placementOf } from './profile-placement.js';

/**
 * The profile step, after the identity step: records of `unifiedProfile`-enabled datasets become fragments of their
 * primary identity (the schema's / identityMap's primary), ExperienceEvents attach to their primary identity (the
 * highest-priority namespace present). Record event time: `extSourceSystemAudit.lastUpdatedDate`, `_repo.modifyDate`,
 * `timestamp`, else the time received. A record that cannot be placed (see placementOf) is recorded as "not ingested
 * to profile" with its reason, in the same step (re-delivered records replace their row: never counted twice).
 *
 * A chunk of the processor is written in one profile-store transaction (ProfileService.applyBatch), in the chunk's
 * order; the linking rules are read once per sandbox per chunk.
 */
export class ProfileSink implements RecordSink {
  constructor(
    private readonly identity: IdentityService,
    private readonly identities: IdentitySink,
    private readonly profiles: ProfileService,
    private readonly next?: RecordSink,
    private readonly notIngested?: NotIngestedSink,
  ) {}

  async accept(records: AcceptedRecord[]): Promise<void> {
    const rules = new Map<string, LinkingRules>();
    const items: BatchItem[] = [];
    const missed: NotIngestedItem[] = [];
    for (const r of records) {
      if (!r.dataset.profileEnabled) continue;
      let rl = rules.get(r.sandboxId);
      if (!rl) rules.set(r.sandboxId, (rl = await this.identity.rules(r.sandboxId)));
      const extracted = await this.identities.identitiesOf(r);
      const n = await this.identity.normalise(r.sandboxId, extracted, rl);
      const p = placementOf(extracted, n, r.isEvent, rl, !r.isEvent && (await this.identities.primaryDeclared(r)));
      if (!p.ok) {
        missed.push(notIngested(r, p.code, p.reason));
        continue;
      }
      const ref = { namespace: p.primary.namespace, id: p.primary.id };
      if (r.isEvent) items.push({ sandboxId: r.sandboxId, kind: 'event', input: { datasetId: r.dataset.id, batchId: r.batchId, primary: ref, event: r.entity, json: r.json } });
      else items.push({ sandboxId: r.sandboxId, kind: 'record', input: { datasetId: r.dataset.id, batchId: r.batchId, xactionId: r.xactionId, primary: ref, record: r.entity, eventTime: recordEventTime(r.entity, r.receivedAt) } });
    }
    // before the profile write: a crash between the two re-delivers the chunk, and both are idempotent
    if (missed.length) await this.notIngested?.add(missed);
    if (items.length) await this.profiles.applyBatch(items);
    if (this.next) await this.next.accept(records);
  }
}

function notIngested(r: AcceptedRecord, code: string, reason: string): NotIngestedItem {
  const id = r.entity._id;
  return {
    sandboxId: r.sandboxId,
    orgId: r.orgId,
    datasetId: r.dataset.id,
    batchId: r.batchId,
    offset: r.offset,
    recordId: typeof id === 'string' ? id : id === undefined || id === null ? null : String(id),
    xactionId: r.xactionId,
    isEvent: r.isEvent,
    receivedAt: r.receivedAt,
    code,
    reason,
    record: r.json ?? JSON.stringify(r.entity),
  };
}
