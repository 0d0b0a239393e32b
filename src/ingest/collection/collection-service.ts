import type { SchemaLookup, Violation } from '../../schema/schema-lookup.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../../shared/json-depth.js';
import { systemDatasetRefusal, type DatasetDirectory, type DatasetInfo, type FlowDirectory, type InletDirectory, type InletInfo } from '../ports.js';
import type { Clock } from '../../shared/clock.js';
import { parseEnvelope } from './envelope.js';
import { describeProblem, recordRejections } from '../validation/identity-values.js';
import { ok, err, type Result } from '../../shared/result.js';

/** What the collection endpoints append to the ingest log: one entry per accepted message. */
export interface IngestMessage {
  sandboxId: string;
  orgId: string;
  inletId: string;
  datasetId: string;
  /** xdm/raw: one message; batch-end: marks the end of an import batch's records. */
  kind: 'xdm' | 'raw' | 'batch-end';
  receivedAt: number;
  xactionId: string;
  requestId: string;
  /**
   * JSON: {"d":datasetId,"s":schemaId,"f":flowId?,"x":xactionId,"src":source?,"c":connectionId?,"b":importBatchId?,
   *        "u":1? (the entity's `_id` names one send: deduplicated on it, see DecodedEntry.uniqueId), "e":entity | "r":raw | "err":parseError,"raw":text} ; batch-end: {"d","b","n":recordsInBatch}
   */
  payload: string;
}

/** The slice of the ingest log the HTTP edge needs. */
export interface LogAppender {
  /** Resolves once every entry is durably committed; returns their offsets. */
  append(entries: IngestMessage[]): Promise<number[]>;
  /** True when the consumers are too far behind to accept more (back-pressure). */
  saturated(): boolean;
}

export interface CollectionDeps {
  inlets: InletDirectory;
  datasets: DatasetDirectory;
  schemas: SchemaLookup;
  flows: FlowDirectory;
  log: LogAppender;
  clock: Clock;
  verifyToken(token: string): Promise<{ orgId: string } | undefined>;
  /** Told when an authenticated inlet refuses a request's token (the gateway rejections log). */
  onRejected?: (r: { orgId: string; reason: 'missingToken' | 'invalidToken'; errorCode: string; detail: string }) => void;
}

/** AEP guardrails: ExperienceEvents ≤ 10 KB, profile (record) rows ≤ 100 KB. */
export const MAX_EVENT_BYTES = 10 * 1024;
export const MAX_RECORD_BYTES = 100 * 1024;
export const MAX_SYNC_VIOLATIONS = 5;

export type MessageOutcome = { ok: true; message: IngestMessage } | { ok: false; statusCode: number; message: string; violations?: Violation[] };

export type AuthOutcome = { ok: true; inlet: InletInfo } | { ok: false; status: number; body: Record<string, unknown> };

const classAltId = (classId: string) => '_' + classId.replace(/^https:\/\/ns\.adobe\.com\//, '').replace(/\//g, '.');

let seq = 0;
/** `<receivedEpochMs>:<process>:<sequence>`, the DCS xactionId shape. */
export function newXactionBase(now: number): string {
  seq = (seq + 1) % 1_000_000_000;
  return `${now}:${process.pid % 100000}:${seq}`;
}

/** Dataset and schema lookups shared by the messages of one request (never outlives it, so never stale). */
export type LookupMemo = Map<string, Promise<unknown>>;

export class CollectionService {
  constructor(private readonly deps: CollectionDeps) {}

  prefix(inlet: { inletId: string; orgId: string }): string {
    return `inletId: [${inlet.inletId}] imsOrgId: [${inlet.orgId}]`;
  }

  /** Resolves the inlet and, for authenticated inlets, checks the bearer token. */
  async authorize(inletId: string, authorization: string | undefined): Promise<AuthOutcome> {
    const inlet = await this.deps.inlets.resolveInlet(inletId);
    if (!inlet)
      return {
        ok: false,
        status: 404,
        body: {
          type: 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet',
          status: 404,
          title: 'Inlet not found',
          report: { message: `inletId: [${inletId}] Inlet does not exist or was deleted` },
        },
      };
    if (!inlet.authenticationRequired) return { ok: true, inlet };
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
    if (!m) {
      this.deps.onRejected?.({ orgId: inlet.orgId, reason: 'missingToken', errorCode: '401', detail: `streaming inlet ${inletId}: no bearer token (the inlet requires authentication)` });
      return {
        ok: false,
        status: 401,
        body: {
          type: 'https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization',
          status: '401',
          title: 'Authorization',
          report: { message: `[${inletId}] Ims service token is empty` },
        },
      };
    }
    const t = await this.deps.verifyToken(m[1]!);
    if (!t || t.orgId !== inlet.orgId) {
      this.deps.onRejected?.({ orgId: inlet.orgId, reason: 'invalidToken', errorCode: '403', detail: `streaming inlet ${inletId}: the token is ${t ? 'of another org' : 'invalid, expired or revoked'}` });
      return {
        ok: false,
        status: 403,
        body: {
          type: 'https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization',
          status: '403',
          title: 'Authorization',
          report: { message: `[${inletId}] Ims service token is invalid or expired` },
        },
      };
    }
    return { ok: true, inlet };
  }

  private lookup<T>(memo: LookupMemo | undefined, key: string, get: () => Promise<T>): Promise<T> {
    if (!memo) return get();
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) memo.set(key, (p = get()));
    return p;
  }

  private async datasetFor(inlet: InletInfo, datasetId: string, memo?: LookupMemo): Promise<Result<DatasetInfo, string>> {
    const ds = await this.lookup(memo, `d\u0000${inlet.sandboxId}\u0000${datasetId}`, () => this.deps.datasets.getDataset(inlet.sandboxId, datasetId));
    if (!ds) return err(`Dataset ${datasetId} does not exist in the inlet's sandbox`);
    const refused = systemDatasetRefusal(ds);
    return refused ? err(refused) : ok(ds);
  }

  /** Checks that a message's schemaRef (or legacy xdmSchema name) names the dataset's schema. */
  private schemaOf(inlet: InletInfo, ds: DatasetInfo, memo?: LookupMemo) {
    return this.lookup(memo, `s\u0000${inlet.sandboxId}\u0000${ds.schemaId}`, () => this.deps.schemas.getSchema(inlet.sandboxId, ds.schemaId));
  }

  private async schemaMatches(inlet: InletInfo, ds: DatasetInfo, ref: string, legacyName?: string, memo?: LookupMemo): Promise<boolean> {
    if (ref === ds.schemaId) return true;
    const schema = await this.schemaOf(inlet, ds, memo);
    if (!schema) return false;
    if (legacyName !== undefined) return legacyName === schema.altId || legacyName === classAltId(schema.classId);
    return ref === schema.altId;
  }

  private async sizeCheck(inlet: InletInfo, ds: DatasetInfo, bytes: number, memo?: LookupMemo): Promise<string | undefined> {
    const schema = await this.schemaOf(inlet, ds, memo);
    const isEvent = schema?.behavior === 'time-series';
    const max = isEvent ? MAX_EVENT_BYTES : MAX_RECORD_BYTES;
    if (bytes > max)
      return `Message of ${bytes} bytes exceeds the maximum ${isEvent ? 'ExperienceEvent' : 'record'} size of ${max} bytes`;
    return undefined;
  }

  /** A message nested past the limit fails alone, before anything stringifies it (checked without recursion). */
  private tooDeep(inlet: InletInfo, raw: unknown): MessageOutcome | undefined {
    if (!exceedsDepth(raw, MAX_JSON_DEPTH)) return undefined;
    return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} Message nests deeper than ${MAX_JSON_DEPTH} levels` };
  }

  /** Envelope, dataset, schema and size checks for one XDM message; with syncValidation also the XDM validation. */
  async checkXdm(inlet: InletInfo, raw: unknown, ctx: { xactionId: string; requestId: string; receivedAt: number; syncValidation: boolean; lookups?: LookupMemo }): Promise<MessageOutcome> {
    const deep = this.tooDeep(inlet, raw);
    if (deep) return deep;
    const env = parseEnvelope(raw, inlet.orgId);
    if (!env.ok) return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} ${env.error}` };
    const m = env.value;
    const ds = await this.datasetFor(inlet, m.datasetId, ctx.lookups);
    if (!ds.ok) return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} ${ds.error}` };
    if (!(await this.schemaMatches(inlet, ds.value, m.schemaRef, m.legacySchemaName, ctx.lookups)))
      return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} Message has unknown xdm format` };
    const entityJson = JSON.stringify(m.entity);
    const tooBig = await this.sizeCheck(inlet, ds.value, Buffer.byteLength(entityJson), ctx.lookups);
    if (tooBig) return { ok: false, statusCode: 413, message: `${this.prefix(inlet)} ${tooBig}` };
    if (ctx.syncValidation) {
      const v = await this.deps.schemas.validator(inlet.sandboxId, ds.value.schemaId);
      const out = v?.validate(m.entity);
      if (out && !out.valid)
        return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} Message is invalid`, violations: out.violations.slice(0, MAX_SYNC_VIOLATIONS) };
      const ids = recordRejections(m.entity, await this.deps.schemas.identityDescriptors(inlet.sandboxId, ds.value.schemaId));
      if (ids.length > 0)
        return {
          ok: false,
          statusCode: 400,
          message: `${this.prefix(inlet)} ${describeProblem(ids[0]!)}`,
          violations: ids.slice(0, MAX_SYNC_VIOLATIONS).map((p) => ({ schemaLocation: '#', pointerToViolation: p.pointer, causingExceptions: [], keyword: 'identity', message: describeProblem(p), code: p.code })),
        };
    }
    const payload =
      `{"d":${JSON.stringify(ds.value.id)},"s":${JSON.stringify(ds.value.schemaId)},"x":${JSON.stringify(ctx.xactionId)}` +
      (m.flowId ? `,"f":${JSON.stringify(m.flowId)}` : '') +
      `,"src":${JSON.stringify(m.sourceName ?? inlet.sourceId)},"e":${entityJson}}`;
    return this.accepted(inlet, ds.value, 'xdm', ctx, payload);
  }

  /** Raw JSON for a dataflow with a Data Prep mapping (`x-adobe-flow-id`). Mapping runs in the processor. */
  async checkRaw(inlet: InletInfo, raw: unknown, flowId: string | undefined, ctx: { xactionId: string; requestId: string; receivedAt: number; lookups?: LookupMemo }): Promise<MessageOutcome> {
    if (!flowId) return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} Raw data requires the x-adobe-flow-id header or query parameter` };
    const deep = this.tooDeep(inlet, raw);
    if (deep) return deep;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} Raw message must be a JSON object` };
    const flow = await this.deps.flows.resolveFlow(inlet.sandboxId, flowId);
    if (!flow) return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} Flow ${flowId} does not exist in the inlet's sandbox` };
    const ds = await this.datasetFor(inlet, flow.datasetId, ctx.lookups);
    if (!ds.ok) return { ok: false, statusCode: 400, message: `${this.prefix(inlet)} ${ds.error}` };
    const rawJson = JSON.stringify(raw);
    const tooBig = await this.sizeCheck(inlet, ds.value, Buffer.byteLength(rawJson), ctx.lookups);
    if (tooBig) return { ok: false, statusCode: 413, message: `${this.prefix(inlet)} ${tooBig}` };
    const payload = `{"d":${JSON.stringify(ds.value.id)},"s":${JSON.stringify(ds.value.schemaId)},"x":${JSON.stringify(ctx.xactionId)},"f":${JSON.stringify(flowId)},"src":${JSON.stringify(inlet.sourceId)},"r":${rawJson}}`;
    return this.accepted(inlet, ds.value, 'raw', ctx, payload);
  }

  private accepted(inlet: InletInfo, ds: DatasetInfo, kind: 'xdm' | 'raw', ctx: { xactionId: string; requestId: string; receivedAt: number }, payload: string): MessageOutcome {
    return {
      ok: true,
      message: { sandboxId: inlet.sandboxId, orgId: inlet.orgId, inletId: inlet.inletId, datasetId: ds.id, kind, receivedAt: ctx.receivedAt, xactionId: ctx.xactionId, requestId: ctx.requestId, payload },
    };
  }

  saturated(): boolean {
    return this.deps.log.saturated();
  }

  append(messages: IngestMessage[]): Promise<number[]> {
    return this.deps.log.append(messages);
  }

  now(): number {
    return this.deps.clock.now();
  }
}
