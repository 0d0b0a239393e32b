import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { toRuntimeNotation } from './xdm-example-converter.js';
import { FIELD_GROUPS } from './global/field-groups.js';
import { EXPERIENCE_EVENT, PROFILE } from './global/classes.js';

const DIR = new URL('../../test/fixtures/xdm-examples/', import.meta.url).pathname;

describe('adobe/xdm example instances validate against the built-in resources', () => {
  let k: TestKith;
  const schemaFor: Record<string, string> = {};
  before(async () => {
    k = await startTestKith();
    for (const cls of [PROFILE, EXPERIENCE_EVENT]) {
      const fgs = FIELD_GROUPS.filter((f) => f['meta:intendedToExtend']?.includes(cls)).map((f) => ({ $ref: f.$id }));
      const r = await k.app.inject({
        method: 'POST',
        url: '/data/foundation/schemaregistry/tenant/schemas',
        headers: k.headers({ 'content-type': 'application/json' }),
        payload: { title: `All of ${cls}`, allOf: [{ $ref: cls }, ...fgs] },
      });
      assert.equal(r.statusCode, 201, r.body);
      schemaFor[cls] = r.json().$id;
    }
  });
  after(() => k.stop());

  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  it('has fixtures', () => assert.ok(files.length >= 10));
  for (const f of files) {
    it(f, async () => {
      const cls = f.includes('experience-event') || f.includes('experienceevent') ? EXPERIENCE_EVENT : PROFILE;
      let record = toRuntimeNotation(JSON.parse(readFileSync(join(DIR, f), 'utf8'))) as Record<string, unknown>;
      // the identitymap examples are the map itself
      if (f.includes('identitymap')) record = { identityMap: record };
      if (cls === EXPERIENCE_EVENT) {
        // field-group examples show only their own fields; the class's required ones are added
        record._id ??= 'example';
        record.timestamp ??= '2026-01-01T00:00:00Z';
      }
      const v = await k.schemas.validator(k.sandboxes && (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id, schemaFor[cls]!);
      const out = v!.validate(record);
      assert.deepEqual(out.valid ? [] : out.violations, []);
    });
  }

  it('converts keys deterministically', () => {
    assert.deepEqual(toRuntimeNotation({ '@id': 'a', 'xdm:identityMap': { 'https://x/ns/4': [{ 'xdm:id': '1' }] }, 'schema:latitude': 1 }), {
      _id: 'a',
      identityMap: { 'https://x/ns/4': [{ id: '1' }] },
      _schema: { latitude: 1 },
    });
  });
});
