import assert from 'node:assert/strict';
import type { TestKith } from '../../src/testing/test-kith.js';

/** Small AEP-API client for end-to-end tests: every call goes through the public HTTP API. */
export class Platform {
  constructor(readonly k: TestKith) {}

  async call(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const r = await this.k.app.inject({
      method: method as 'GET',
      url,
      headers: { ...this.k.headers(), ...(payload !== undefined && typeof payload !== 'string' && !Buffer.isBuffer(payload) ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: payload === undefined ? undefined : Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    let json: any;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      json = r.body;
    }
    return { status: r.statusCode, json, headers: r.headers, body: r.body };
  }

  get tenant(): string {
    return this.k.local.tenantId;
  }

  async createSchema(title: string, classId: string, fieldGroups: string[], union = false): Promise<string> {
    const r = await this.call('POST', '/data/foundation/schemaregistry/tenant/schemas', {
      type: 'object',
      title,
      allOf: [{ $ref: classId }, ...fieldGroups.map(($ref) => ({ $ref }))],
      ...(union ? { 'meta:immutableTags': ['union'] } : {}),
    });
    assert.equal(r.status, 201, `create schema: ${r.body}`);
    return r.json.$id as string;
  }

  async addIdentityDescriptor(schemaId: string, path: string, namespace: string, isPrimary: boolean): Promise<void> {
    const r = await this.call('POST', '/data/foundation/schemaregistry/tenant/descriptors', {
      '@type': 'xdm:descriptorIdentity',
      'xdm:sourceSchema': schemaId,
      'xdm:sourceVersion': 1,
      'xdm:sourceProperty': path,
      'xdm:namespace': namespace,
      'xdm:property': 'xdm:code',
      'xdm:isPrimary': isPrimary,
    });
    assert.equal(r.status, 201, `descriptor: ${r.body}`);
  }

  async createDataset(name: string, schemaId: string, opts: { profile?: boolean; identity?: boolean } = {}): Promise<string> {
    const tags: Record<string, string[]> = {};
    if (opts.profile) tags.unifiedProfile = ['enabled:true'];
    if (opts.identity) tags.unifiedIdentity = ['enabled:true'];
    const r = await this.call('POST', '/data/foundation/catalog/dataSets', {
      name,
      schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
      tags,
    });
    assert.equal(r.status, 201, `create dataset: ${r.body}`);
    return String(r.json[0]).replace('@/dataSets/', '');
  }

  async getDataset(id: string): Promise<any> {
    const r = await this.call('GET', `/data/foundation/catalog/dataSets/${id}`);
    assert.equal(r.status, 200);
    return r.json[id];
  }

  async createInlet(name: string, opts: { dataType?: 'xdm' | 'raw'; authenticationRequired?: boolean } = {}): Promise<{ connectionId: string; inletId: string; inletUrl: string }> {
    const c = await this.call('POST', '/data/foundation/flowservice/connections', {
      name,
      connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { dataType: opts.dataType ?? 'xdm', authenticationRequired: opts.authenticationRequired ?? false } },
    });
    assert.equal(c.status, 201, `create connection: ${c.body}`);
    const g = await this.call('GET', `/data/foundation/flowservice/connections/${c.json.id}`);
    const p = g.json.items[0].auth.params;
    return { connectionId: c.json.id, inletId: p.inletId, inletUrl: p.inletUrl };
  }

  /**
   * The CRM setup of the profile tests: a CRMID namespace, a Customers profile schema (primary identity: personal
   * email) and an Orders event schema, profile-enabled datasets for both, and an inlet; `post` streams one entity.
   */
  async customersAndOrders(inletName: string) {
    const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
    await this.call('POST', '/data/core/idnamespace/identities', { name: 'CRM ID', code: 'CRMID', idType: 'CROSS_DEVICE' });
    const profSchema = await this.createSchema('Customers', FG('profile'), [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details')], true);
    await this.addIdentityDescriptor(profSchema, '/personalEmail/address', 'Email', true);
    const evSchema = await this.createSchema('Orders', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-commerce')], true);
    const profDs = await this.createDataset('Customers', profSchema, { profile: true, identity: true });
    const evDs = await this.createDataset('Orders', evSchema, { profile: true, identity: true });
    const inlet = (await this.createInlet(inletName)).inletId;
    const post = async (schema: string, ds: string, e: Record<string, unknown>): Promise<number> => (await this.collect(`/collection/${inlet}`, this.envelope(schema, ds, e))).status;
    return { profSchema, evSchema, profDs, evDs, inlet, post };
  }

  envelope(schemaId: string, datasetId: string, entity: Record<string, unknown>, orgId = this.k.local.orgId) {
    const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
    return { header: { schemaRef, imsOrgId: orgId, datasetId, source: { name: 'e2e' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } };
  }

  /** Posts to the collection endpoint WITHOUT gateway headers (as a browser or device would). */
  async collect(path: string, payload: unknown, headers: Record<string, string> = {}) {
    const r = await this.k.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    let json: any;
    try {
      json = JSON.parse(r.body);
    } catch {
      json = r.body;
    }
    return { status: r.statusCode, json, headers: r.headers };
  }
}

/** Polls `fn` until it returns a truthy value (tests only; bounded). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
