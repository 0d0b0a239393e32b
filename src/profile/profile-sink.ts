import type { AcceptedRecord, RecordSink } from '../ingest/processor/processor-ports.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { IdentitySink } from '../identity/identity-sink.js';
import { rankOf, type LinkingRules } from '../identity/linking-rules.js';
import type { BatchItem, ProfileService } from './profile-service.js';
import { recordEventTime } from './fragment-merge.js';

/**
 * The profile step, after the identity step: records of `unifiedProfile`-enabled datasets become fragments of their
 * primary identity (the schema's / identityMap's primary), ExperienceEvents attach to their primary identity (the
 * highest-priority namespace present). Record event time: `extSourceSystemAudit.lastUpdatedDate`, `_repo.modifyDate`,
 * `timestamp`, else the time received. Records without any usable identity cannot be placed and are skipped.
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
  ) {}

  async accept(records: AcceptedRecord[]): Promise<void> {
    const rules = new Map<string, LinkingRules>();
    const items: BatchItem[] = [];
    for (const r of records) {
      if (!r.dataset.profileEnabled) continue;
      let rl = rules.get(r.sandboxId);
      if (!rl) rules.set(r.sandboxId, (rl = await this.identity.rules(r.sandboxId)));
      const n = await this.identity.normalise(r.sandboxId, await this.identities.identitiesOf(r), rl);
      const primary = primaryOf(n.identities, r.isEvent, rl);
      if (!primary) continue;
      const ref = { namespace: primary.namespace, id: primary.id };
      if (r.isEvent) items.push({ sandboxId: r.sandboxId, kind: 'event', input: { datasetId: r.dataset.id, batchId: r.batchId, primary: ref, event: r.entity, json: r.json } });
      else items.push({ sandboxId: r.sandboxId, kind: 'record', input: { datasetId: r.dataset.id, batchId: r.batchId, xactionId: r.xactionId, primary: ref, record: r.entity, eventTime: recordEventTime(r.entity, r.receivedAt) } });
    }
    if (items.length) await this.profiles.applyBatch(items);
    if (this.next) await this.next.accept(records);
  }
}

/**
 * The primary identity, as IdentityService.primaryOf decides it (with the chunk's rules instead of a read per record):
 * for ExperienceEvents the highest-priority namespace present, for records the one marked primary (else the first).
 */
export function primaryOf<T extends { namespace: string; primary: boolean }>(ids: readonly T[], isEvent: boolean, rules: LinkingRules): T | undefined {
  if (ids.length === 0) return undefined;
  if (!isEvent) return ids.find((x) => x.primary) ?? ids[0];
  return [...ids].sort((a, b) => rankOf(rules, a.namespace) - rankOf(rules, b.namespace))[0];
}
