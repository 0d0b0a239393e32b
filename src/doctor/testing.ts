import assert from 'node:assert/strict';
import type { TestKith } from '../testing/test-kith.js';
import type { CheckId, CheckResult, DoctorReport } from './doctor-types.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

/** A small client of the public API for the doctor's tests (every call through HTTP, AEP headers, a sandbox). */
export class DoctorTestApi {
  constructor(readonly k: TestKith) {}

  async call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}, sandbox = 'prod') {
    const r = await this.k.app.inject({
      method: method as 'GET',
      url,
      headers: { ...this.k.headers({ 'x-sandbox-name': sandbox }), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    let json: any;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      json = r.body;
    }
    return { status: r.statusCode, json, body: r.body };
  }

  async ok(method: string, url: string, body?: unknown, sandbox = 'prod', want = [200, 201, 204]) {
    const r = await this.call(method, url, body, {}, sandbox);
    assert.ok(want.includes(r.status), `${method} ${url}: ${r.status} ${r.body}`);
    return r.json;
  }

  async schema(title: string, cls: 'profile' | 'experienceevent', groups: string[], sandbox = 'prod', union = true): Promise<string> {
    const j = await this.ok('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title, allOf: [{ $ref: FG(cls) }, ...groups.map((g) => ({ $ref: FG(g) }))], ...(union ? { 'meta:immutableTags': ['union'] } : {}) }, sandbox);
    return j.$id as string;
  }

  async primaryDescriptor(schemaId: string, path: string, namespace: string, sandbox = 'prod'): Promise<void> {
    await this.ok('POST', '/data/foundation/schemaregistry/tenant/descriptors', { '@type': 'xdm:descriptorIdentity', 'xdm:sourceSchema': schemaId, 'xdm:sourceVersion': 1, 'xdm:sourceProperty': path, 'xdm:namespace': namespace, 'xdm:property': 'xdm:code', 'xdm:isPrimary': true }, sandbox);
  }

  async dataset(name: string, schemaId: string, enabled: boolean, sandbox = 'prod'): Promise<string> {
    const tags = enabled ? { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } : {};
    const j = await this.ok('POST', '/data/foundation/catalog/dataSets', { name, schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags }, sandbox);
    return String(j[0]).replace('@/dataSets/', '');
  }

  async enable(datasetId: string, sandbox = 'prod'): Promise<void> {
    await this.ok('PATCH', `/data/foundation/catalog/dataSets/${datasetId}`, [{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] }, { op: 'add', path: '/tags/unifiedIdentity', value: ['enabled:true'] }], sandbox);
  }

  async inlet(name: string, sandbox = 'prod'): Promise<string> {
    const c = await this.ok('POST', '/data/foundation/flowservice/connections', { name, connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm', authenticationRequired: false } } }, sandbox);
    const g = await this.ok('GET', `/data/foundation/flowservice/connections/${c.id}`, undefined, sandbox);
    return g.items[0].auth.params.inletId as string;
  }

  /** Streams one XDM entity to a dataset through an inlet (as a source would: no gateway headers); the HTTP status. */
  async send(inletId: string, schemaId: string, datasetId: string, entity: Record<string, unknown>): Promise<number> {
    const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
    const r = await this.k.app.inject({
      method: 'POST',
      url: `/collection/${inletId}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ header: { schemaRef, imsOrgId: this.k.local.orgId, datasetId, source: { name: 'doctor test' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } }),
    });
    return r.statusCode;
  }

  async doctor(ns: string, id: string, sandbox = 'prod'): Promise<DoctorReport> {
    await this.k.processor.drain();
    return this.ok('GET', `/data/foundation/kith/doctor/profile?entityIdNS=${encodeURIComponent(ns)}&entityId=${encodeURIComponent(id)}`, undefined, sandbox) as Promise<DoctorReport>;
  }

  async check(ns: string, id: string, which: CheckId, sandbox = 'prod'): Promise<CheckResult> {
    const r = await this.doctor(ns, id, sandbox);
    return r.checks.find((c) => c.id === which)!;
  }
}
