import type { ResourceStore } from '../store/resource-store.js';
import { decodeAgain } from '../shared/uri.js';
import type { Clock } from '../shared/clock.js';
import type { SandboxContext } from '../http/request-context.js';
import { registryHex } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, problem, type Problem } from '../shared/problem.js';
import { applyJsonPatch } from '../shared/json-patch.js';
import type { IdentityDescriptorInfo, RecordValidator, SchemaInfo, SchemaLookup } from './schema-lookup.js';
import { flatten, type Flattened, type XedResource } from './resolver.js';
import { globalOfType, globalResource } from './global/index.js';
import { EXPERIENCE_EVENT, PROFILE, altIdOf, behaviorOfClass } from './global/classes.js';
import { compileValidator, toValidationSchema } from './validator.js';
import { breakingChanges, tenantRuleViolation } from './tenant-rules.js';
import { isObj } from '../shared/objects.js';

export type ResourceType = 'schemas' | 'mixins' | 'datatypes' | 'classes';
export const RESOURCE_TYPES: ResourceType[] = ['schemas', 'mixins', 'datatypes', 'classes'];

/** Registry-managed keys a client may not set. */
const READ_ONLY = ['$id', 'meta:altId', 'meta:resourceType', 'version', 'meta:containerId', 'meta:class', 'meta:extends', 'imsOrg', 'meta:registryMetadata', 'meta:tenantNamespace', 'meta:sandboxId', 'meta:sandboxType', 'meta:abstract', 'meta:extensible'];

export interface Descriptor extends Record<string, unknown> {
  '@id': string;
  '@type': string;
}

interface SandboxCache {
  byKey: Map<string, XedResource>;
  descriptors: Map<string, Descriptor>;
  inUse: Set<string>;
  validators: Map<string, RecordValidator>;
  /** Identity descriptors per schema $id (read for every ingested record: derived once per change). */
  identities: Map<string, IdentityDescriptorInfo[]>;
}

/**
 * Schema Registry: global XDM resources (code), tenant resources per sandbox (ResourceStore), descriptors,
 * unions, evolution rules and compiled validators. Tenant resources of a sandbox are loaded into memory once
 * and kept in step with every write, so lookups and validation are synchronous on the hot path.
 */
export class SchemaRegistry implements SchemaLookup {
  private readonly sandboxes = new Map<string, SandboxCache>();
  private readonly loading = new Map<string, Promise<SandboxCache>>();
  private readonly changeListeners: Array<(sandboxId: string) => void> = [];

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
  ) {}

  // ---- loading and lookup ----------------------------------------------------------------------

  private async cache(sandboxId: string): Promise<SandboxCache> {
    const hit = this.sandboxes.get(sandboxId);
    if (hit) return hit;
    let p = this.loading.get(sandboxId);
    if (!p) {
      p = (async () => {
        const c: SandboxCache = { byKey: new Map(), descriptors: new Map(), inUse: new Set(), validators: new Map(), identities: new Map() };
        for (const t of RESOURCE_TYPES)
          for (const r of await this.store.list<XedResource>(t, sandboxId)) {
            c.byKey.set(r.doc.$id, r.doc);
            c.byKey.set(r.doc['meta:altId'], r.doc);
          }
        for (const r of await this.store.list<Descriptor>('descriptors', sandboxId)) c.descriptors.set(r.id, r.doc);
        for (const r of await this.store.list<unknown>('schema-usage', sandboxId)) c.inUse.add(r.id);
        this.sandboxes.set(sandboxId, c);
        return c;
      })();
      this.loading.set(sandboxId, p);
    }
    return p;
  }

  private lookupFn(c: SandboxCache, override?: XedResource) {
    return (key: string): XedResource | undefined => {
      if (override && (override.$id === key || override['meta:altId'] === key)) return override;
      return c.byKey.get(key) ?? globalResource(key) ?? c.byKey.get(decodeAgain(key));
    };
  }

  async resolve(sandboxId: string, key: string): Promise<XedResource | undefined> {
    return this.lookupFn(await this.cache(sandboxId))(key);
  }

  async flattenOf(sandboxId: string, r: XedResource): Promise<Flattened> {
    return flatten(r, this.lookupFn(await this.cache(sandboxId)));
  }

  async list(sandboxId: string, container: 'global' | 'tenant', type: ResourceType | 'behaviors'): Promise<XedResource[]> {
    if (container === 'global') return globalOfType(type === 'datatypes' ? 'datatypes' : type);
    const c = await this.cache(sandboxId);
    const seen = new Set<XedResource>();
    for (const r of c.byKey.values()) if (r['meta:resourceType'] === type) seen.add(r);
    return [...seen];
  }

  async get(sandboxId: string, container: 'global' | 'tenant', type: ResourceType | 'behaviors', key: string): Promise<XedResource | undefined> {
    const r = container === 'global' ? globalResource(key) ?? globalResource(decodeAgain(key)) : await this.resolveTenant(sandboxId, key);
    return r && r['meta:resourceType'] === type ? r : undefined;
  }

  private async resolveTenant(sandboxId: string, key: string): Promise<XedResource | undefined> {
    const c = await this.cache(sandboxId);
    return c.byKey.get(key) ?? c.byKey.get(decodeAgain(key));
  }

  // ---- SchemaLookup ------------------------------------------------------------------------------

  async getSchema(sandboxId: string, idOrAltId: string): Promise<SchemaInfo | undefined> {
    const c = await this.cache(sandboxId);
    const r = this.lookupFn(c)(idOrAltId);
    if (!r) return undefined;
    if (r['meta:resourceType'] === 'classes') {
      return { id: r.$id, altId: r['meta:altId'], title: String(r.title), classId: r.$id, behavior: behaviorOfClass(r as never), union: false, version: String(r.version) };
    }
    if (r['meta:resourceType'] !== 'schemas') return undefined;
    const cls = this.lookupFn(c)(String(r['meta:class']));
    return {
      id: r.$id,
      altId: r['meta:altId'],
      title: String(r.title),
      classId: String(r['meta:class']),
      behavior: cls ? behaviorOfClass(cls as never) : 'record',
      union: ((r['meta:immutableTags'] as string[] | undefined) ?? []).includes('union'),
      version: String(r.version),
    };
  }

  async validator(sandboxId: string, schemaId: string): Promise<RecordValidator | undefined> {
    const c = await this.cache(sandboxId);
    const r = this.lookupFn(c)(schemaId);
    if (!r) return undefined;
    const hit = c.validators.get(r.$id);
    if (hit) return hit;
    const f = flatten(r, this.lookupFn(c));
    const primaries = [...c.descriptors.values()]
      .filter((d) => d['@type'] === 'xdm:descriptorIdentity' && d['xdm:sourceSchema'] === r.$id && d['xdm:isPrimary'] === true)
      .map((d) => String(d['xdm:sourceProperty']).split('/').filter(Boolean));
    const tenant = String(r['meta:tenantNamespace'] ?? '') || undefined;
    const v = compileValidator(toValidationSchema(f.properties, f.required, tenant, primaries));
    c.validators.set(r.$id, v);
    return v;
  }

  async identityDescriptors(sandboxId: string, schemaId: string): Promise<IdentityDescriptorInfo[]> {
    const c = await this.cache(sandboxId);
    const r = this.lookupFn(c)(schemaId);
    if (!r) return [];
    let found = c.identities.get(r.$id);
    if (!found) {
      found = [...c.descriptors.values()]
        .filter((d) => d['@type'] === 'xdm:descriptorIdentity' && d['xdm:sourceSchema'] === r.$id)
        .map((d) => ({ path: String(d['xdm:sourceProperty']).split('/').filter(Boolean), namespace: String(d['xdm:namespace']), isPrimary: d['xdm:isPrimary'] === true }));
      c.identities.set(r.$id, found);
    }
    return found;
  }

  async markInUse(sandboxId: string, schemaId: string): Promise<void> {
    const c = await this.cache(sandboxId);
    const r = this.lookupFn(c)(schemaId);
    if (!r || c.inUse.has(r.$id)) return;
    c.inUse.add(r.$id);
    await this.store.put('schema-usage', sandboxId, r.$id, { since: this.clock.now() });
  }

  // ---- tenant writes -------------------------------------------------------------------------------

  private locked(c: SandboxCache, r: XedResource): boolean {
    return c.inUse.has(r.$id) || ((r['meta:immutableTags'] as string[] | undefined) ?? []).includes('union');
  }

  private invalidate(c: SandboxCache): void {
    c.validators.clear();
    c.identities.clear();
    for (const [id, x] of this.sandboxes) if (x === c) for (const l of this.changeListeners) l(id);
  }

  /** Called after any tenant resource or descriptor of a sandbox changes (other threads drop their caches). */
  onChange(l: (sandboxId: string) => void): void {
    this.changeListeners.push(l);
  }

  /** Drops the cached resources of a sandbox; they are reloaded on next use. */
  forget(sandboxId: string): void {
    this.sandboxes.delete(sandboxId);
    this.loading.delete(sandboxId);
  }

  private async persist(ctx: SandboxContext, type: ResourceType, r: XedResource): Promise<Result<XedResource, Problem>> {
    const c = await this.cache(ctx.sandbox.id);
    const put = await this.store.put(type, ctx.sandbox.id, r['meta:altId'], r, { uniqueKey: String(r.title).toLowerCase() });
    if (!put.ok) return err(conflict(`A ${type === 'mixins' ? 'field group' : type.slice(0, -1)} titled "${String(r.title)}" already exists in this sandbox`));
    c.byKey.set(r.$id, r);
    c.byKey.set(r['meta:altId'], r);
    this.invalidate(c);
    return ok(r);
  }

  /** Checks composition and computes the registry fields of a schema, class, field group or data type. */
  private async compose(ctx: SandboxContext, type: ResourceType, body: Record<string, unknown>, prev?: XedResource): Promise<Result<XedResource, Problem>> {
    const c = await this.cache(ctx.sandbox.id);
    const tenant = ctx.tenantId;
    if (typeof body.title !== 'string' || body.title.trim() === '') return err(badRequest('title is required'));
    const now = this.clock.now();
    const hex = prev ? String(prev['meta:altId']).split('.').pop()! : registryHex();
    const $id = prev?.$id ?? `https://ns.adobe.com/${tenant}/${type}/${hex}`;
    const r: XedResource = { ...body, $id, 'meta:altId': prev?.['meta:altId'] ?? `_${tenant}.${type}.${hex}`, title: body.title } as XedResource;
    for (const k of READ_ONLY) if (k !== '$id' && k !== 'meta:altId') delete r[k];
    r.type = 'object';
    r['meta:resourceType'] = type;
    r['meta:containerId'] = 'tenant';
    r['meta:tenantNamespace'] = `_${tenant}`;
    r.imsOrg = ctx.orgId;
    r['meta:sandboxId'] = ctx.sandbox.id;
    r['meta:sandboxType'] = ctx.sandbox.type;
    r['meta:abstract'] = type !== 'schemas';
    r['meta:extensible'] = type !== 'schemas';
    r['meta:xdmType'] = 'object';
    r.version = prev ? bumpVersion(String(prev.version)) : '1.0';
    r['meta:registryMetadata'] = {
      'repo:createDate': (prev?.['meta:registryMetadata'] as Record<string, unknown> | undefined)?.['repo:createDate'] ?? now,
      'repo:lastModifiedDate': now,
      'xdm:createdClientId': ctx.actor,
      'xdm:repositoryCreatedBy': ctx.actor,
      eTag: registryHex(),
      'meta:globalLibVersion': '1.56.0',
    };
    const lookup = this.lookupFn(c, r);
    const refs = (Array.isArray(r.allOf) ? (r.allOf as Array<Record<string, unknown>>) : []).map((x) => x?.$ref).filter((x): x is string => typeof x === 'string' && !x.startsWith('#'));
    for (const ref of refs) if (!lookup(ref)) return err(badRequest(`allOf references an unknown resource: ${ref}`));

    if (type === 'schemas') {
      const classes = refs.filter((x) => lookup(x)?.['meta:resourceType'] === 'classes');
      if (classes.length !== 1) return err(badRequest(`A schema's allOf must reference exactly one class; found ${classes.length}`));
      const cls = lookup(classes[0]!)!;
      for (const ref of refs) {
        const t = lookup(ref)!;
        if (t['meta:resourceType'] === 'classes') continue;
        if (t['meta:resourceType'] !== 'mixins') return err(badRequest(`A schema may compose only one class and field groups; ${ref} is a ${String(t['meta:resourceType'])}`));
        const ext = (t['meta:intendedToExtend'] as string[] | undefined) ?? [];
        if (ext.length && !ext.includes(cls.$id)) return err(badRequest(`Field group ${ref} is not compatible with class ${cls.$id}`));
      }
      r['meta:class'] = cls.$id;
      const ext = new Set<string>([cls.$id, ...((cls['meta:extends'] as string[] | undefined) ?? [])]);
      for (const ref of refs) ext.add(lookup(ref)!.$id);
      r['meta:extends'] = [...ext];
      r['meta:abstract'] = false;
      r['meta:extensible'] = false;
      const tags = r['meta:immutableTags'];
      if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => t !== 'union'))) return err(badRequest('meta:immutableTags may only contain "union"'));
      if (prev && ((prev['meta:immutableTags'] as string[] | undefined) ?? []).includes('union') && !((tags as string[] | undefined) ?? []).includes('union'))
        return err(badRequest('The "union" tag cannot be removed once a schema is enabled for Profile'));
    } else {
      if (type === 'mixins' && (!Array.isArray(r['meta:intendedToExtend']) || (r['meta:intendedToExtend'] as unknown[]).length === 0))
        return err(badRequest('meta:intendedToExtend is required on a field group (the class $ids it can extend)'));
      const v = tenantRuleViolation(type, r, tenant);
      if (v) return err(badRequest(v));
      if (type === 'classes') {
        const b = refs.find((x) => lookup(x)?.['meta:resourceType'] === 'behaviors');
        if (!b) return err(badRequest('A class must reference a behavior (record, time-series or adhoc) in allOf'));
        r['meta:extends'] = [b, ...refs.filter((x) => x !== b)];
        r['meta:behavior'] = b;
      }
    }
    const f = flatten(r, lookup);
    if (f.errors.length) return err(badRequest(f.errors.join('; ')));
    // evolution: every locked schema that uses this resource may only grow
    const candidates = new Set<XedResource>([...c.byKey.values()].filter((x) => x['meta:resourceType'] === 'schemas'));
    if (type === 'schemas' && prev) candidates.add(prev);
    for (const s of candidates) {
      if (!this.locked(c, s)) continue;
      const before = flatten(s, this.lookupFn(c));
      if (!before.uses.includes($id) && s.$id !== $id) continue;
      const after = flatten(s.$id === $id ? r : s, lookup);
      const broken = breakingChanges(before.properties, after.properties);
      if (broken.length)
        return err(badRequest(`Only additive changes are allowed on schema "${String(s.title)}" (it is enabled for Profile or holds data): ${broken.join('; ')}`));
    }
    return ok(r);
  }

  async create(ctx: SandboxContext, type: ResourceType, body: unknown): Promise<Result<XedResource, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const r = await this.compose(ctx, type, body);
    if (!r.ok) return r;
    return this.persist(ctx, type, r.value);
  }

  async replace(ctx: SandboxContext, type: ResourceType, key: string, body: unknown): Promise<Result<XedResource, Problem>> {
    const prev = await this.get(ctx.sandbox.id, 'tenant', type, key);
    if (!prev) return err(notFound(`No tenant ${type} ${key}`));
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const r = await this.compose(ctx, type, body, prev);
    if (!r.ok) return r;
    return this.persist(ctx, type, r.value);
  }

  async patch(ctx: SandboxContext, type: ResourceType, key: string, ops: unknown): Promise<Result<XedResource, Problem>> {
    const prev = await this.get(ctx.sandbox.id, 'tenant', type, key);
    if (!prev) return err(notFound(`No tenant ${type} ${key}`));
    if (!Array.isArray(ops)) return err(badRequest('PATCH body must be a JSON Patch array'));
    const next = applyJsonPatch(prev, ops);
    if (!next.ok) return err(badRequest(next.error));
    const r = await this.compose(ctx, type, next.value as Record<string, unknown>, prev);
    if (!r.ok) return r;
    return this.persist(ctx, type, r.value);
  }

  async remove(ctx: SandboxContext, type: ResourceType, key: string): Promise<Result<void, Problem>> {
    const c = await this.cache(ctx.sandbox.id);
    const r = await this.get(ctx.sandbox.id, 'tenant', type, key);
    if (!r) return err(notFound(`No tenant ${type} ${key}`));
    if (type === 'schemas' && this.locked(c, r))
      return err(problem(409, 'Conflict', `Schema "${String(r.title)}" is enabled for Profile or holds data and cannot be deleted`));
    const users = [...new Set(c.byKey.values())].filter((x) => x.$id !== r.$id && flatten(x, this.lookupFn(c)).uses.includes(r.$id));
    if (users.length) return err(problem(409, 'Conflict', `${String(r.title)} is used by ${users.map((u) => `"${String(u.title)}"`).join(', ')} and cannot be deleted`));
    await this.store.delete(type, ctx.sandbox.id, r['meta:altId']);
    c.byKey.delete(r.$id);
    c.byKey.delete(r['meta:altId']);
    for (const [id, d] of c.descriptors)
      if (d['xdm:sourceSchema'] === r.$id) {
        c.descriptors.delete(id);
        await this.store.delete('descriptors', ctx.sandbox.id, id);
      }
    this.invalidate(c);
    return ok(undefined);
  }

  // ---- descriptors --------------------------------------------------------------------------------

  async listDescriptors(sandboxId: string): Promise<Descriptor[]> {
    return [...(await this.cache(sandboxId)).descriptors.values()];
  }

  async getDescriptor(sandboxId: string, id: string): Promise<Descriptor | undefined> {
    return (await this.cache(sandboxId)).descriptors.get(id);
  }

  async descriptorsOf(sandboxId: string, schemaId: string): Promise<Descriptor[]> {
    return [...(await this.cache(sandboxId)).descriptors.values()].filter((d) => d['xdm:sourceSchema'] === schemaId);
  }

  async putDescriptor(ctx: SandboxContext, body: unknown, id?: string): Promise<Result<Descriptor, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const c = await this.cache(ctx.sandbox.id);
    const prev = id ? c.descriptors.get(id) : undefined;
    if (id && !prev) return err(notFound(`Descriptor ${id} not found`));
    const type = body['@type'];
    if (typeof type !== 'string' || !type.startsWith('xdm:')) return err(badRequest('@type is required (e.g. xdm:descriptorIdentity)'));
    const source = body['xdm:sourceSchema'];
    if (typeof source !== 'string') return err(badRequest('xdm:sourceSchema is required'));
    const schema = this.lookupFn(c)(source);
    if (!schema || schema['meta:resourceType'] !== 'schemas' || schema['meta:containerId'] !== 'tenant')
      return err(badRequest(`xdm:sourceSchema ${source} is not a tenant schema in this sandbox`));
    const prop = body['xdm:sourceProperty'];
    if (type === 'xdm:descriptorIdentity' || type === 'xdm:alternateDisplayInfo' || prop !== undefined) {
      if (typeof prop !== 'string' || !prop.startsWith('/') || prop.endsWith('/')) return err(badRequest('xdm:sourceProperty must be a path like /personalEmail/address'));
      let node: Record<string, unknown> | undefined = { properties: flatten(schema, this.lookupFn(c)).properties };
      for (const seg of prop.split('/').filter(Boolean)) node = (node?.properties as Record<string, Record<string, unknown>> | undefined)?.[seg];
      if (!node) return err(badRequest(`xdm:sourceProperty ${prop} does not exist in schema ${schema.$id}`));
    }
    if (type === 'xdm:descriptorIdentity') {
      if (typeof body['xdm:namespace'] !== 'string' && typeof body['xdm:namespace'] !== 'number') return err(badRequest('xdm:namespace is required'));
      if (body['xdm:isPrimary'] === true) {
        const other = [...c.descriptors.values()].find(
          (d) => d['@id'] !== id && d['@type'] === 'xdm:descriptorIdentity' && d['xdm:sourceSchema'] === schema.$id && d['xdm:isPrimary'] === true,
        );
        if (other) return err(problem(409, 'Conflict', `Schema ${schema.$id} already has a primary identity (${String(other['xdm:sourceProperty'])})`));
      }
    }
    const now = this.clock.now();
    const d: Descriptor = {
      ...body,
      '@id': id ?? registryHex() + registryHex().slice(0, 8),
      '@type': type,
      'xdm:sourceSchema': schema.$id,
      'xdm:sourceVersion': body['xdm:sourceVersion'] ?? 1,
      'meta:containerId': 'tenant',
      version: prev ? String(Number(prev.version ?? '1') + 1) : '1',
      imsOrg: ctx.orgId,
      createdUser: prev?.createdUser ?? ctx.actor,
      createdClient: prev?.createdClient ?? ctx.actor,
      updatedUser: ctx.actor,
      created: prev?.created ?? now,
      updated: now,
    };
    await this.store.put('descriptors', ctx.sandbox.id, d['@id'], d);
    c.descriptors.set(d['@id'], d);
    this.invalidate(c);
    return ok(d);
  }

  async deleteDescriptor(ctx: SandboxContext, id: string): Promise<boolean> {
    const c = await this.cache(ctx.sandbox.id);
    if (!c.descriptors.has(id)) return false;
    c.descriptors.delete(id);
    await this.store.delete('descriptors', ctx.sandbox.id, id);
    this.invalidate(c);
    return true;
  }

  // ---- unions -------------------------------------------------------------------------------------

  /** One union per class that has union-tagged schemas. */
  async unions(sandboxId: string): Promise<Array<{ classId: string; union: XedResource; members: XedResource[] }>> {
    const schemas = (await this.list(sandboxId, 'tenant', 'schemas')).filter((s) => ((s['meta:immutableTags'] as string[] | undefined) ?? []).includes('union'));
    const byClass = new Map<string, XedResource[]>();
    for (const s of schemas) {
      const k = String(s['meta:class']);
      (byClass.get(k) ?? byClass.set(k, []).get(k)!).push(s);
    }
    return [...byClass].map(([classId, members]) => {
      const $id = `${classId}__union`;
      const union: XedResource = {
        $id,
        'meta:altId': `${altIdOf(classId)}__union`,
        'meta:resourceType': 'unions',
        title: `Union object for ${classId}`,
        type: 'object',
        version: '1.0',
        'meta:class': classId,
        'meta:containerId': 'tenant',
        allOf: members.map((m) => ({ $ref: m.$id })),
        'meta:extends': [...new Set(members.flatMap((m) => (m['meta:extends'] as string[] | undefined) ?? []))],
        'meta:unionSchemas': members.map((m) => m.$id),
      };
      return { classId, union, members };
    });
  }

  async stats(ctx: SandboxContext): Promise<Record<string, unknown>> {
    const c = await this.cache(ctx.sandbox.id);
    const all = [...new Set(c.byKey.values())];
    const count = (t: string) => all.filter((r) => r['meta:resourceType'] === t).length;
    const recent = [...all].sort(
      (a, b) => Number((b['meta:registryMetadata'] as Record<string, number>)['repo:lastModifiedDate']) - Number((a['meta:registryMetadata'] as Record<string, number>)['repo:lastModifiedDate']),
    );
    const classUsage: Record<string, Array<{ $id: string; title: unknown; description: unknown }>> = {};
    for (const s of all.filter((r) => r['meta:resourceType'] === 'schemas')) {
      const k = String(s['meta:class']);
      (classUsage[k] ??= []).push({ $id: s.$id, title: s.title, description: s.description });
    }
    return {
      imsOrg: ctx.orgId,
      tenantId: ctx.tenantId,
      counts: { schemas: count('schemas'), mixins: count('mixins'), datatypes: count('datatypes'), classes: count('classes'), unions: (await this.unions(ctx.sandbox.id)).length },
      recentlyCreatedResources: recent.slice(0, 5).map((r) => ({ $id: r.$id, title: r.title, 'meta:resourceType': r['meta:resourceType'] })),
      recentlyUpdatedResources: recent.slice(0, 5).map((r) => ({ $id: r.$id, title: r.title, 'meta:resourceType': r['meta:resourceType'] })),
      classUsage,
    };
  }
}

function bumpVersion(v: string): string {
  const [maj, min] = v.split('.').map((x) => Number(x) || 0);
  return `${maj ?? 1}.${(min ?? 0) + 1}`;
}

export { PROFILE, EXPERIENCE_EVENT };
