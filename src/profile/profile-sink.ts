import type { AcceptedRecord, RecordSink } from '../ingest/processor/processor-ports.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { IdentitySink } from '../identity/identity-sink.js';
import type { ProfileService } from './profile-service.js';
import { recordEventTime } from './fragment-merge.js';

/**
 * The profile step, after the identity step: records of `unifiedProfile`-enabled datasets become fragments of their
 * primary identity (the schema's / identityMap's primary), ExperienceEvents attach to their primary identity (the
 * highest-priority namespace present). Record event time: `extSourceSystemAudit.lastUpdatedDate`, `_repo.modifyDate`,
 * `timestamp`, else the time received. Records without any usable identity cannot be placed and are skipped.
 */
export class ProfileSink implements RecordSink {
  constructor(
    private readonly identity: IdentityService,
    private readonly identities: IdentitySink,
    private readonly profiles: ProfileService,
    private readonly next?: RecordSink,
  ) {}

  async accept(records: AcceptedRecord[]): Promise<void> {
    for (const r of records) {
      if (!r.dataset.profileEnabled) continue;
      const n = await this.identity.normalise(r.sandboxId, await this.identities.identitiesOf(r), await this.identity.rules(r.sandboxId));
      const primary = await this.identity.primaryOf(r.sandboxId, n.identities, r.isEvent);
      if (!primary) continue;
      const ref = { namespace: primary.namespace, id: primary.id };
      if (r.isEvent) await this.profiles.applyEvent(r.sandboxId, { datasetId: r.dataset.id, batchId: r.batchId, primary: ref, event: r.entity });
      else this.profiles.applyRecord(r.sandboxId, { datasetId: r.dataset.id, batchId: r.batchId, xactionId: r.xactionId, primary: ref, record: r.entity, eventTime: recordEventTime(r.entity, r.receivedAt) });
    }
    if (this.next) await this.next.accept(records);
  }
}
