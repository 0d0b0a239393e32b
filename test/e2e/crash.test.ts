import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestKith } from '../../src/testing/test-kith.js';
import { assertInLakeOnce, childApi as apiOf, loadUntilKilled, startChildKith as startChild } from '../helpers/child-kith.js';
import { Platform } from '../helpers/platform.js';

describe('crash safety (kill -9 during load)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('every acknowledged message is in the lake exactly once after restart', async () => {
    const { child, baseUrl } = await startChild(dataDir);
    const api = apiOf(baseUrl, dataDir);
    const post = (path: string, body: unknown) => api('POST', path, body);
    const schema = await post('/data/foundation/schemaregistry/tenant/schemas', {
      type: 'object',
      title: 'Crash events',
      allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/experienceevent' }, { $ref: 'https://ns.adobe.com/xdm/context/identitymap' }],
    });
    assert.equal(schema.status, 201);
    const schemaId = schema.json.$id;
    const ds = await post('/data/foundation/catalog/dataSets', { name: 'Crash events', schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' } });
    const datasetId = String(ds.json[0]).replace('@/dataSets/', '');
    const conn = await post('/data/foundation/flowservice/connections', {
      name: 'crash',
      connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
    });
    const inletId = (await api('GET', `/data/foundation/flowservice/connections/${conn.json.id}`)).json.items[0].auth.params.inletId;
    const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };

    let n = 0;
    const acked = await loadUntilKilled(child, baseUrl, inletId, 4, 1500, (w) => {
      const keys = Array.from({ length: 50 }, () => `w${w}-${n++}`);
      return { keys, messages: keys.map((id) => ({ header: { schemaRef, datasetId }, body: { xdmMeta: { schemaRef }, xdmEntity: { _id: id, timestamp: '2026-01-01T00:00:00Z', eventType: 'crash.test' } } })) };
    });
    assert.ok(acked.size > 100, `some load was acknowledged (${acked.size})`);

    const k = await startTestKith({ dataDir });
    try {
      await assertInLakeOnce(k, datasetId, acked);
    } finally {
      await k.stop({ keepData: true });
    }
  });

  it('segmentation: every profile with an acknowledged qualifying event is a member after restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-crash-seg-'));
    try {
      const { child, baseUrl } = await startChild(dir);
      const call = apiOf(baseUrl, dir);
      const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
      const schema = await call('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title: 'Crash buys', allOf: [{ $ref: FG('experienceevent') }, { $ref: FG('identitymap') }], 'meta:immutableTags': ['union'] });
      const schemaRef = { id: schema.json.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
      const ds = await call('POST', '/data/foundation/catalog/dataSets', { name: 'Crash buys', schemaRef, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } });
      const datasetId = String(ds.json[0]).replace('@/dataSets/', '');
      const conn = await call('POST', '/data/foundation/flowservice/connections', { name: 'crash seg', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } } });
      const inletId = (await call('GET', `/data/foundation/flowservice/connections/${conn.json.id}`)).json.items[0].auth.params.inletId;
      const def = await call('POST', '/data/core/ups/segment/definitions', { name: 'Buyers', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "crash.buy"].count() >= 1' } });
      assert.equal(def.status, 200, JSON.stringify(def.json));

      // load: each message is the first (qualifying) event of a new profile; the server is killed mid-load
      let n = 0;
      const acked = await loadUntilKilled(child, baseUrl, inletId, 3, 1500, (w) => {
        const keys = Array.from({ length: 25 }, () => `w${w}-${n++}@crash.example`);
        return { keys, messages: keys.map((email) => ({ header: { schemaRef, datasetId }, body: { xdmMeta: { schemaRef }, xdmEntity: { _id: email, timestamp: new Date().toISOString(), eventType: 'crash.buy', identityMap: { Email: [{ id: email, primary: true }] } } } })) };
      });
      assert.ok(acked.size > 50, `some load was acknowledged (${acked.size})`);

      const k = await startTestKith({ dataDir: dir });
      try {
        await k.processor.drain();
        await k.processor.remote.segments.drain();
        const p = new Platform(k);
        const audience = await p.call('GET', `/data/core/ups/audiences/${def.json.id}`);
        const members = audience.json.metrics.data.realized + audience.json.metrics.data.existing;
        assert.ok(members >= acked.size, `${members} members for ${acked.size} acknowledged qualifying profiles`);
        // each acknowledged profile, as the entities API shows it
        const missing: string[] = [];
        for (const email of [...acked].slice(0, 200)) {
          const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(email)}&entityIdNS=Email`);
          const st = r.status === 200 ? (Object.values(r.json)[0] as any)?.entity?.segmentMembership?.ups?.[def.json.id]?.status : undefined;
          if (st !== 'realized') missing.push(`${email}: ${r.status} ${st}`);
        }
        assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged profiles are not members`);
      } finally {
        await k.stop({ keepData: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
