import type { SandboxContext } from '../../http/request-context.js';
import { ok, err, type Result } from '../../shared/result.js';
import type { Problem } from '../../shared/problem.js';
import { EXPERIENCE_EVENT, PROFILE } from '../../schema/global/classes.js';
import { CHANNEL_DETAILS, REFERENCE_KEYS, SITE_SEARCH, USER_LOGIN_PROCESS, VISIT_WEB_PAGE } from '../../schema/global/standard-field-groups.js';
import { EDGE_DATASTREAM_SPEC } from '../http/source-specs.js';

const CTX = 'https://ns.adobe.com/xdm/context/';
const DEMOGRAPHIC = CTX + 'profile-person-details';
const PERSONAL_CONTACT = CTX + 'profile-personal-details';
const USER_ACCOUNT = CTX + 'profile-user-account-details';

/** The custom namespace the connector's profile events and records use as their primary identity. */
export const COMMERCE_NAMESPACE = { code: 'CustomerId', name: 'Commerce Customer ID', idType: 'CROSS_DEVICE', description: 'Adobe Commerce customer id (primary identity of Commerce profile events and records)' } as const;

/**
 * Field groups of the ExperienceEvent schema, as Adobe's "Update time series event schemas for Commerce data
 * ingestion" lists them (Site Search, Visit Web Page, User Login Process, Reference Keys, Personal Contact Details,
 * Channel Details, Commerce Details, and Demographic Details for the server-side profile events), plus what the Web
 * SDK adds to every event (web, device, environment, implementation details).
 */
export const COMMERCE_EVENT_FIELD_GROUPS = [
  CTX + 'identitymap',
  SITE_SEARCH,
  VISIT_WEB_PAGE,
  USER_LOGIN_PROCESS,
  REFERENCE_KEYS,
  PERSONAL_CONTACT,
  CHANNEL_DETAILS,
  CTX + 'experienceevent-commerce',
  DEMOGRAPHIC,
  CTX + 'experienceevent-web',
  CTX + 'experienceevent-environment-details',
  'https://ns.adobe.com/experience/aep-web-sdk-experienceevent',
];

/**
 * Field groups of the Individual Profile schema ("Update profile record schema": identityMap, Demographic Details,
 * Personal Contact Details, User Account Details), plus Channel Details (the records carry `channel`) and Consents
 * (the storefront's consent choices land in the datastream's profile dataset).
 */
export const COMMERCE_PROFILE_FIELD_GROUPS = [CTX + 'identitymap', DEMOGRAPHIC, PERSONAL_CONTACT, USER_ACCOUNT, CHANNEL_DETAILS, CTX + 'profile-consents'];

export const COMMERCE_NAMES = {
  eventSchema: 'Adobe Commerce ExperienceEvent',
  profileSchema: 'Adobe Commerce Individual Profile',
  eventDataset: 'Adobe Commerce Events',
  profileDataset: 'Adobe Commerce Profiles',
  datastream: 'Adobe Commerce',
} as const;

export type SetupStatus = 'created' | 'found';
export interface SetupItem {
  status: SetupStatus;
  id: string;
  name: string;
}
export interface CommerceSetupReport {
  namespace: SetupItem & { code: string; idType: string };
  eventSchema: SetupItem;
  profileSchema: SetupItem;
  eventDataset: SetupItem;
  profileDataset: SetupItem;
  datastream: SetupItem & { datastreamId: string };
  /** Names of what this call created, then of what it found already there. */
  created: string[];
  found: string[];
}

/** The ports the setup needs (the Schema Registry, Catalog, Flow Service and the identity namespaces). */
export interface CommerceSetupDeps {
  schemas: {
    list(sandboxId: string, container: 'tenant', type: 'schemas'): Promise<Array<Record<string, unknown> & { $id: string; title?: string }>>;
    create(ctx: SandboxContext, type: 'schemas', body: unknown): Promise<Result<{ $id: string }, Problem>>;
  };
  catalog: {
    listDatasets(sandboxId: string): Promise<Array<{ id: string; name: string; schemaRef: { id: string } }>>;
    createDataset(ctx: SandboxContext, body: unknown): Promise<Result<{ id: string; name: string }, Problem>>;
  };
  flow: {
    list(sandboxId: string, kind: 'connections'): Promise<Array<Record<string, unknown> & { id: string }>>;
    create(ctx: SandboxContext, kind: 'connections', body: unknown): Promise<Result<Record<string, unknown> & { id: string }, Problem>>;
  };
  namespaces: {
    byCode(sandboxId: string, code: string): Promise<{ id: number; code: string; name: string; idType: string } | undefined>;
    create(sandboxId: string, body: unknown): Promise<Result<{ id: number; code: string; name: string; idType: string }, Problem>>;
  };
}

const paramsOf = (c: Record<string, unknown>): Record<string, unknown> => {
  const auth = c.auth as { params?: Record<string, unknown> } | undefined;
  return auth?.params ?? {};
};

/**
 * One-call Adobe Commerce setup of a sandbox: the `CustomerId` namespace, an ExperienceEvent schema and an
 * Individual Profile schema (both union, i.e. enabled for Profile), an events dataset and a separate profile
 * dataset (both enabled for Profile and Identity), and a Web SDK datastream writing events to the first and profile
 * records to the second. Idempotent: each part is looked up by its name first and reused when it is there; the
 * report says which were created and which found. Calls for one sandbox run one after another.
 */
export class CommerceSetup {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly d: CommerceSetupDeps) {}

  async run(ctx: SandboxContext): Promise<Result<CommerceSetupReport, Problem>> {
    const key = ctx.sandbox.id;
    const prev = this.running.get(key) ?? Promise.resolve();
    const next = prev.then(
      () => this.once(ctx),
      () => this.once(ctx),
    );
    this.running.set(key, next);
    try {
      return await next;
    } finally {
      if (this.running.get(key) === next) this.running.delete(key);
    }
  }

  private async once(ctx: SandboxContext): Promise<Result<CommerceSetupReport, Problem>> {
    const sb = ctx.sandbox.id;
    const created: string[] = [];
    const found: string[] = [];
    const note = (status: SetupStatus, what: string) => (status === 'created' ? created : found).push(what);

    // the namespace
    let ns = await this.d.namespaces.byCode(sb, COMMERCE_NAMESPACE.code);
    let nsStatus: SetupStatus = 'found';
    if (!ns) {
      const r = await this.d.namespaces.create(sb, COMMERCE_NAMESPACE);
      if (!r.ok) return r;
      ns = r.value;
      nsStatus = 'created';
    }
    note(nsStatus, `namespace ${ns.code}`);

    // the two schemas
    const schemas = await this.d.schemas.list(sb, 'tenant', 'schemas');
    const schema = async (title: string, classId: string, groups: string[]): Promise<Result<SetupItem, Problem>> => {
      const existing = schemas.find((s) => s.title === title && s['meta:class'] === classId);
      if (existing) return ok({ status: 'found', id: existing.$id, name: title });
      const r = await this.d.schemas.create(ctx, 'schemas', {
        title,
        description: `Created by the Kith Commerce setup (${classId === PROFILE ? 'customers-connector profile records' : 'storefront and back-office events'})`,
        type: 'object',
        allOf: [{ $ref: classId }, ...groups.map(($ref) => ({ $ref }))],
        'meta:immutableTags': ['union'],
      });
      return r.ok ? ok({ status: 'created', id: r.value.$id, name: title }) : err(r.error);
    };
    const eventSchema = await schema(COMMERCE_NAMES.eventSchema, EXPERIENCE_EVENT, COMMERCE_EVENT_FIELD_GROUPS);
    if (!eventSchema.ok) return eventSchema;
    note(eventSchema.value.status, `schema "${COMMERCE_NAMES.eventSchema}"`);
    const profileSchema = await schema(COMMERCE_NAMES.profileSchema, PROFILE, COMMERCE_PROFILE_FIELD_GROUPS);
    if (!profileSchema.ok) return profileSchema;
    note(profileSchema.value.status, `schema "${COMMERCE_NAMES.profileSchema}"`);

    // the two datasets
    const datasets = await this.d.catalog.listDatasets(sb);
    const dataset = async (name: string, schemaId: string): Promise<Result<SetupItem, Problem>> => {
      const existing = datasets.find((x) => x.name === name && x.schemaRef.id === schemaId);
      if (existing) return ok({ status: 'found', id: existing.id, name });
      const r = await this.d.catalog.createDataset(ctx, {
        name,
        description: 'Created by the Kith Commerce setup',
        schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
        tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] },
      });
      return r.ok ? ok({ status: 'created', id: r.value.id, name }) : err(r.error);
    };
    const eventDataset = await dataset(COMMERCE_NAMES.eventDataset, eventSchema.value.id);
    if (!eventDataset.ok) return eventDataset;
    note(eventDataset.value.status, `dataset "${COMMERCE_NAMES.eventDataset}"`);
    const profileDataset = await dataset(COMMERCE_NAMES.profileDataset, profileSchema.value.id);
    if (!profileDataset.ok) return profileDataset;
    note(profileDataset.value.status, `dataset "${COMMERCE_NAMES.profileDataset}"`);

    // the datastream: events to the events dataset, profile records to the profile dataset
    const wanted = { eventDataSetId: eventDataset.value.id, profileDataSetId: profileDataset.value.id };
    const connections = await this.d.flow.list(sb, 'connections');
    let ds = connections.find((c) => {
      const p = paramsOf(c);
      return (c.connectionSpec as { id?: string } | undefined)?.id === EDGE_DATASTREAM_SPEC && p.eventDataSetId === wanted.eventDataSetId && p.profileDataSetId === wanted.profileDataSetId;
    });
    let dsStatus: SetupStatus = 'found';
    if (!ds) {
      const r = await this.d.flow.create(ctx, 'connections', {
        name: COMMERCE_NAMES.datastream,
        description: 'Adobe Commerce Data Connection: storefront (Web SDK), back-office (Edge Network Server API) events and customer profile records',
        connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' },
        auth: { params: wanted },
      });
      if (!r.ok) return r;
      ds = r.value;
      dsStatus = 'created';
    }
    note(dsStatus, `datastream "${String(ds.name ?? COMMERCE_NAMES.datastream)}"`);

    return ok({
      namespace: { status: nsStatus, id: String(ns.id), name: ns.name, code: ns.code, idType: ns.idType },
      eventSchema: eventSchema.value,
      profileSchema: profileSchema.value,
      eventDataset: eventDataset.value,
      profileDataset: profileDataset.value,
      datastream: { status: dsStatus, id: ds.id, name: String(ds.name ?? COMMERCE_NAMES.datastream), datastreamId: String(paramsOf(ds).datastreamId ?? '') },
      created,
      found,
    });
  }
}
