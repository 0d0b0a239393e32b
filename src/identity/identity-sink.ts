import type { SchemaLookup, IdentityDescriptorInfo } from '../schema/schema-lookup.js';
import type { AcceptedRecord, RecordSink } from '../ingest/processor/processor-ports.js';
import type { IdentityService, IngestItem } from './identity-service.js';
import { extractIdentities } from './extract.js';

/**
 * The identity step after the lake: every record of a `unifiedIdentity`-enabled dataset adds its identities and
 * links to the sandbox's graph, in the order the processor hands them over (acceptance order, so per-identity order
 * holds). Event time decides recency: the record's `timestamp`, else `extSourceSystemAudit.lastUpdatedDate`, else
 * the time it was received.
 */
export class IdentitySink implements RecordSink {
  private readonly descriptors = new Map<string, IdentityDescriptorInfo[]>();

  constructor(
    private readonly identity: IdentityService,
    private readonly schemas: SchemaLookup,
    private readonly next?: RecordSink,
  ) {}

  static eventTime(r: AcceptedRecord): number {
    const e = r.entity as { timestamp?: unknown; extSourceSystemAudit?: { lastUpdatedDate?: unknown } };
    for (const v of [e.timestamp, e.extSourceSystemAudit?.lastUpdatedDate]) {
      const t = typeof v === 'string' ? Date.parse(v) : NaN;
      if (Number.isFinite(t)) return t;
    }
    return r.receivedAt;
  }

  /** Schema descriptors are read once per schema per processor run (schema changes invalidate via a new sink). */
  private async descriptorsOf(sandboxId: string, schemaId: string): Promise<IdentityDescriptorInfo[]> {
    const k = `${sandboxId}/${schemaId}`;
    let d = this.descriptors.get(k);
    if (!d) {
      d = await this.schemas.identityDescriptors(sandboxId, schemaId);
      this.descriptors.set(k, d);
    }
    return d;
  }

  forgetSchemas(): void {
    this.descriptors.clear();
  }

  /** The identities a record carries (identityMap and descriptor fields), before normalisation. */
  async identitiesOf(r: AcceptedRecord) {
    return extractIdentities(r.entity, await this.descriptorsOf(r.sandboxId, r.schemaId));
  }

  /** Whether the record's schema declares a primary identity descriptor (then a record's primary must be that one, or identityMap's). */
  async primaryDeclared(r: AcceptedRecord): Promise<boolean> {
    return (await this.descriptorsOf(r.sandboxId, r.schemaId)).some((d) => d.isPrimary);
  }

  async accept(records: AcceptedRecord[]): Promise<void> {
    const bySandbox = new Map<string, IngestItem[]>();
    for (const r of records) {
      if (!r.dataset.identityEnabled) continue;
      const identities = await this.identitiesOf(r);
      if (identities.length === 0) continue;
      (bySandbox.get(r.sandboxId) ?? bySandbox.set(r.sandboxId, []).get(r.sandboxId)!).push({
        identities,
        eventTime: IdentitySink.eventTime(r),
        datasetId: r.dataset.id,
        batchId: r.batchId,
        recordRef: r.xactionId,
      });
    }
    for (const [sandboxId, items] of bySandbox) await this.identity.ingest(sandboxId, items);
    if (this.next) await this.next.accept(records);
  }
}
