import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';

const SR = '/data/foundation/schemaregistry';
const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const enc = encodeURIComponent;
const ACCEPT = (v: string) => ({ accept: `application/vnd.adobe.${v}+json; version=1` });

describe('Schema Registry API', () => {
  let k: TestKith;
  let p: Platform;
  let fgId = '';
  let schemaId = '';
  before(async () => {
    k = await startTestKith({ tenantId: 'acme' });
    p = new Platform(k);
  });
  after(() => k.stop());

  it('GET /stats reports the tenant id', async () => {
    const r = await p.call('GET', `${SR}/stats`);
    assert.equal(r.status, 200);
    assert.equal(r.json.tenantId, 'acme');
    assert.equal(r.json.imsOrg, k.local.orgId);
    assert.ok('counts' in r.json && 'classUsage' in r.json);
  });

  describe('global resources', () => {
    const lists: Array<[string, string]> = [
      ['classes', PROFILE],
      ['fieldgroups', FG('profile-person-details')],
      ['mixins', FG('identitymap')],
      ['behaviors', 'https://ns.adobe.com/xdm/data/time-series'],
    ];
    for (const [type, id] of lists)
      it(`lists global ${type}`, async () => {
        const r = await p.call('GET', `${SR}/global/${type}`, undefined, ACCEPT('xed-id'));
        assert.equal(r.status, 200);
        assert.ok(r.json.results.some((x: { $id: string }) => x.$id === id), JSON.stringify(r.json.results.map((x: { $id: string }) => x.$id)));
      });
    it('looks a class up by altId and by encoded $id', async () => {
      const a = await p.call('GET', `${SR}/global/classes/_xdm.context.profile`, undefined, ACCEPT('xed-full'));
      const b = await p.call('GET', `${SR}/global/classes/${enc(PROFILE)}`, undefined, ACCEPT('xed-full'));
      assert.equal(a.status, 200);
      assert.equal(a.json.$id, PROFILE);
      assert.deepEqual(a.json, b.json);
      assert.ok(a.json.properties.personID);
    });
  });

  it('acceptance: tenant field group, profile schema, primary identity, union, profile-enabled dataset, every Accept variant', async () => {
    const fg = await p.call('POST', `${SR}/tenant/fieldgroups`, {
      title: 'Loyalty',
      description: 'loyalty program',
      type: 'object',
      'meta:intendedToExtend': [PROFILE],
      definitions: { loyalty: { properties: { _acme: { type: 'object', properties: { loyaltyID: { type: 'string', title: 'Loyalty ID' }, points: { type: 'integer' } } } } } },
      allOf: [{ $ref: '#/definitions/loyalty' }],
    });
    assert.equal(fg.status, 201, fg.body);
    fgId = fg.json.$id;
    assert.match(fgId, /^https:\/\/ns\.adobe\.com\/acme\/mixins\/[0-9a-f]{32}$/);
    assert.equal(fg.json['meta:resourceType'], 'mixins');
    assert.equal(fg.json['meta:tenantNamespace'], '_acme');
    assert.equal(fg.json.version, '1.0');

    schemaId = await p.createSchema('Loyalty members', PROFILE, [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details'), fgId]);
    await p.addIdentityDescriptor(schemaId, '/personalEmail/address', 'Email', true);
    const union = await p.call('PATCH', `${SR}/tenant/schemas/${enc(schemaId)}`, [{ op: 'add', path: '/meta:immutableTags', value: ['union'] }]);
    assert.equal(union.status, 200, union.body);
    assert.equal(union.json.version, '1.1');
    const ds = await p.createDataset('Loyalty members', schemaId, { profile: true, identity: true });
    const dataset = await p.getDataset(ds);
    assert.deepEqual(dataset.tags.unifiedProfile, ['enabled:true']);
    assert.deepEqual(dataset.tags['adobe/pqs/table'], ['loyalty_members']);

    const raw = await p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, ACCEPT('xed'));
    assert.equal(raw.status, 200);
    assert.ok(Array.isArray(raw.json.allOf));
    assert.equal(raw.json['meta:class'], PROFILE);
    assert.ok(raw.json['meta:extends'].includes(fgId));
    assert.deepEqual(raw.json['meta:immutableTags'], ['union']);
    const full = await p.call('GET', `${SR}/tenant/schemas/${raw.json['meta:altId']}`, undefined, ACCEPT('xed-full'));
    assert.equal(full.json.allOf, undefined);
    assert.equal(full.json.properties._acme.properties.loyaltyID.title, 'Loyalty ID');
    assert.ok(full.json.properties.person.properties.name);
    const notext = await p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, ACCEPT('xed-full-notext'));
    assert.equal(notext.json.properties._acme.properties.loyaltyID.title, undefined);
    assert.equal(notext.json.title, undefined);
    const rawNotext = await p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, ACCEPT('xed-notext'));
    assert.ok(rawNotext.json.allOf && rawNotext.json.title === undefined);
    const desc = await p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, ACCEPT('xed-full-desc'));
    assert.equal(desc.json['meta:descriptors'][0]['xdm:sourceProperty'], '/personalEmail/address');
    const fgBack = await p.call('GET', `${SR}/tenant/mixins/${enc(fgId)}`, undefined, ACCEPT('xed-full'));
    assert.equal(fgBack.status, 200);

    const unions = await p.call('GET', `${SR}/tenant/unions`, undefined, ACCEPT('xed-id'));
    assert.equal(unions.json.results[0].$id, `${PROFILE}__union`);
    const u = await p.call('GET', `${SR}/tenant/unions/${enc(`${PROFILE}__union`)}`, undefined, ACCEPT('xed-full'));
    assert.ok(u.json.properties._acme && u.json['meta:unionSchemas'].includes(schemaId));

    const stats = await p.call('GET', `${SR}/stats`);
    assert.equal(stats.json.counts.schemas, 1);
    assert.equal(stats.json.classUsage[PROFILE][0].$id, schemaId);
  });

  it('lists tenant resources with paging and Accept forms', async () => {
    await p.createSchema('Second', PROFILE, []);
    const page = await p.call('GET', `${SR}/tenant/schemas?limit=1`, undefined, ACCEPT('xed-id'));
    assert.equal(page.json.results.length, 1);
    assert.deepEqual(Object.keys(page.json.results[0]).sort(), ['$id', 'meta:altId', 'title', 'version']);
    assert.equal(page.json._page.next, '1');
    assert.ok(page.json._links.next.href.includes('start=1'));
    const full = await p.call('GET', `${SR}/tenant/schemas`, undefined, ACCEPT('xed'));
    assert.ok(full.json.results[0].allOf);
  });

  it('tenant data types are referenced from field groups and resolved in xed-full', async () => {
    const dt = await p.call('POST', `${SR}/tenant/datatypes`, { title: 'Construction', type: 'object', properties: { yearBuilt: { type: 'integer' }, floorSize: { type: 'number' } } });
    assert.equal(dt.status, 201, dt.body);
    assert.match(dt.json.$id, /\/datatypes\//);
    const fg = await p.call('POST', `${SR}/tenant/fieldgroups`, {
      title: 'Property',
      'meta:intendedToExtend': [PROFILE],
      properties: { _acme: { type: 'object', properties: { construction: { $ref: dt.json.$id } } } },
    });
    assert.equal(fg.status, 201, fg.body);
    const full = await p.call('GET', `${SR}/tenant/fieldgroups/${enc(fg.json.$id)}`, undefined, ACCEPT('xed-full'));
    assert.equal(full.json.properties._acme.properties.construction.properties.yearBuilt.type, 'integer');
    const bad = await p.call('POST', `${SR}/tenant/datatypes`, { title: 'Bad dt', properties: { _x: { type: 'string' } } });
    assert.equal(bad.status, 400);
  });

  it('tenant classes need a behavior and can back schemas', async () => {
    const cls = await p.call('POST', `${SR}/tenant/classes`, {
      title: 'Store',
      allOf: [{ $ref: 'https://ns.adobe.com/xdm/data/record' }],
      properties: { _acme: { type: 'object', properties: { storeId: { type: 'string' } } } },
    });
    assert.equal(cls.status, 201, cls.body);
    assert.equal(cls.json['meta:behavior'], 'https://ns.adobe.com/xdm/data/record');
    const sch = await p.call('POST', `${SR}/tenant/schemas`, { title: 'Stores', allOf: [{ $ref: cls.json.$id }] });
    assert.equal(sch.status, 201, sch.body);
    assert.equal(sch.json['meta:class'], cls.json.$id);
    const info = await k.schemas.getSchema((await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id, sch.json.$id);
    assert.equal(info?.behavior, 'record');
    const noBehavior = await p.call('POST', `${SR}/tenant/classes`, { title: 'Nope', properties: {} });
    assert.equal(noBehavior.status, 400);
    assert.match(noBehavior.json.detail, /behavior/);
  });

  it('descriptors: list, get, replace, delete', async () => {
    const list = await p.call('GET', `${SR}/tenant/descriptors`, undefined, { accept: 'application/vnd.adobe.xdm-link+json' });
    const path = list.json['xdm:descriptorIdentity'][0] as string;
    const id = path.split('/').pop()!;
    const one = await p.call('GET', `${SR}/tenant/descriptors/${id}`);
    assert.equal(one.json['xdm:namespace'], 'Email');
    // what ingestion reads per record is derived once per change: a replaced descriptor is seen at once
    const sb = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
    const namespaces = async () => (await k.schemas.identityDescriptors(sb, one.json['xdm:sourceSchema'])).map((d) => d.namespace);
    assert.deepEqual(await namespaces(), ['Email']);
    const put = await p.call('PUT', `${SR}/tenant/descriptors/${id}`, { ...one.json, 'xdm:namespace': 'email' });
    assert.equal(put.status, 201);
    assert.deepEqual(await namespaces(), ['email']);
    assert.deepEqual(put.json, { '@id': id });
    const full = await p.call('GET', `${SR}/tenant/descriptors`, undefined, { accept: 'application/vnd.adobe.xdm+json' });
    assert.equal(full.json[0]['xdm:namespace'], 'email');
  });

  it('sandboxes are isolated', async () => {
    const dev = await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 'test');
    assert.ok(dev.ok);
    const r = await p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, { ...ACCEPT('xed'), 'x-sandbox-name': 'dev' });
    assert.equal(r.status, 404);
    const l = await p.call('GET', `${SR}/tenant/schemas`, undefined, { ...ACCEPT('xed-id'), 'x-sandbox-name': 'dev' });
    assert.deepEqual(l.json.results, []);
    const d = await p.call('GET', '/data/foundation/catalog/dataSets', undefined, { 'x-sandbox-name': 'dev' });
    assert.deepEqual(d.json, {});
    const sameTitle = await p.call('POST', `${SR}/tenant/schemas`, { title: 'Loyalty members', allOf: [{ $ref: PROFILE }] }, { 'x-sandbox-name': 'dev' });
    assert.equal(sameTitle.status, 201, 'titles are unique per sandbox only');
  });

  describe('invalid input', () => {
    const post = (body: unknown, type = 'schemas') => p.call('POST', `${SR}/tenant/${type}`, body);
    const cases: Array<[string, () => Promise<{ status: number; body: string; json: any }>, number, RegExp]> = [
      ['bad JSON', () => p.call('POST', `${SR}/tenant/schemas`, '{nope', { 'content-type': 'application/json' }), 400, /Malformed JSON/],
      ['missing title', () => post({ allOf: [{ $ref: PROFILE }] }), 400, /title is required/],
      ['duplicate title', () => post({ title: 'Second', allOf: [{ $ref: PROFILE }] }), 409, /already exists/],
      ['no class', () => post({ title: 'x1', allOf: [{ $ref: FG('identitymap') }] }), 400, /exactly one class/],
      ['two classes', () => post({ title: 'x2', allOf: [{ $ref: PROFILE }, { $ref: 'https://ns.adobe.com/xdm/context/experienceevent' }] }), 400, /exactly one class/],
      ['unknown ref', () => post({ title: 'x3', allOf: [{ $ref: PROFILE }, { $ref: 'https://ns.adobe.com/acme/mixins/nope' }] }), 400, /unknown resource/],
      ['incompatible field group', () => post({ title: 'x4', allOf: [{ $ref: PROFILE }, { $ref: FG('experienceevent-commerce') }] }), 400, /not compatible/],
      ['field group without intendedToExtend', () => post({ title: 'fg1', properties: { _acme: { type: 'object', properties: { a: { type: 'string' } } } } }, 'fieldgroups'), 400, /intendedToExtend/],
      [
        'field outside the tenant namespace',
        () => post({ title: 'fg2', 'meta:intendedToExtend': [PROFILE], properties: { loyalty: { type: 'object' } } }, 'fieldgroups'),
        400,
        /tenant namespace "_acme"/,
      ],
      [
        'field name starting with _ inside the tenant object',
        () => post({ title: 'fg3', 'meta:intendedToExtend': [PROFILE], properties: { _acme: { type: 'object', properties: { _bad: { type: 'string' } } } } }, 'fieldgroups'),
        400,
        /may not start with "_"/,
      ],
      ['create in global', () => p.call('POST', `${SR}/global/schemas`, { title: 'g' }), 405, /tenant container/],
      ['unknown resource type', () => p.call('GET', `${SR}/tenant/widgets`), 404, /Unknown resource type/],
      ['unknown id', () => p.call('GET', `${SR}/tenant/schemas/_acme.schemas.nope`, undefined, ACCEPT('xed')), 404, /No tenant/],
      ['unacceptable Accept', () => p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, { accept: 'text/html' }), 406, /Accept/],
      ['xed-id on a lookup', () => p.call('GET', `${SR}/tenant/schemas/${enc(schemaId)}`, undefined, ACCEPT('xed-id')), 406, /Accept/],
      ['PATCH that is not an array', () => p.call('PATCH', `${SR}/tenant/schemas/${enc(schemaId)}`, { op: 'add' }), 400, /body must be array/],
      ['bad patch op', () => p.call('PATCH', `${SR}/tenant/schemas/${enc(schemaId)}`, [{ op: 'jump', path: '/title' }]), 400, /unknown op/],
      [
        'removing the union tag',
        () => p.call('PATCH', `${SR}/tenant/schemas/${enc(schemaId)}`, [{ op: 'remove', path: '/meta:immutableTags' }]),
        400,
        /cannot be removed/,
      ],
      [
        'removing a field group from a profile-enabled schema',
        () => p.call('PATCH', `${SR}/tenant/schemas/${enc(schemaId)}`, [{ op: 'remove', path: '/allOf/3' }]),
        400,
        /Only additive changes.*removed/,
      ],
      [
        'removing a field from a field group a profile-enabled schema uses',
        () => p.call('PATCH', `${SR}/tenant/fieldgroups/${enc(fgId)}`, [{ op: 'remove', path: '/definitions/loyalty/properties/_acme/properties/points' }]),
        400,
        /_acme\.points" was removed/,
      ],
      [
        'retyping a field',
        () => p.call('PATCH', `${SR}/tenant/fieldgroups/${enc(fgId)}`, [{ op: 'replace', path: '/definitions/loyalty/properties/_acme/properties/points/type', value: 'string' }]),
        400,
        /changed type from integer to string/,
      ],
      ['deleting a profile-enabled schema', () => p.call('DELETE', `${SR}/tenant/schemas/${enc(schemaId)}`), 409, /cannot be deleted/],
      ['deleting a field group in use', () => p.call('DELETE', `${SR}/tenant/fieldgroups/${enc(fgId)}`), 409, /is used by/],
      [
        'a second primary identity',
        () =>
          p.call('POST', `${SR}/tenant/descriptors`, {
            '@type': 'xdm:descriptorIdentity',
            'xdm:sourceSchema': schemaId,
            'xdm:sourceProperty': '/_acme/loyaltyID',
            'xdm:namespace': 'CRMID',
            'xdm:isPrimary': true,
          }),
        409,
        /already has a primary identity/,
      ],
      [
        'a descriptor on a missing field',
        () => p.call('POST', `${SR}/tenant/descriptors`, { '@type': 'xdm:descriptorIdentity', 'xdm:sourceSchema': schemaId, 'xdm:sourceProperty': '/nope/x', 'xdm:namespace': 'Email' }),
        400,
        /does not exist/,
      ],
      ['a descriptor without @type', () => p.call('POST', `${SR}/tenant/descriptors`, { 'xdm:sourceSchema': schemaId }), 400, /@type/],
    ];
    for (const [name, call, status, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, status, r.body);
        assert.match(typeof r.json?.detail === 'string' ? r.json.detail : r.body, re);
      });

    it('additive changes are allowed on a profile-enabled schema', async () => {
      const r = await p.call('PATCH', `${SR}/tenant/fieldgroups/${enc(fgId)}`, [
        { op: 'add', path: '/definitions/loyalty/properties/_acme/properties/tier', value: { type: 'string' } },
      ]);
      assert.equal(r.status, 200, r.body);
      const add = await p.call('PATCH', `${SR}/tenant/schemas/${enc(schemaId)}`, [
        { op: 'add', path: '/allOf/-', value: { $ref: FG('profile-work-details') } },
      ]);
      assert.equal(add.status, 200, add.body);
    });

    it('a schema whose data landed is additive-only too', async () => {
      const s = await p.createSchema('Used', PROFILE, [FG('profile-person-details')]);
      await k.schemas.markInUse((await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id, s);
      const r = await p.call('PATCH', `${SR}/tenant/schemas/${enc(s)}`, [{ op: 'remove', path: '/allOf/1' }]);
      assert.equal(r.status, 400);
      const del = await p.call('DELETE', `${SR}/tenant/schemas/${enc(s)}`);
      assert.equal(del.status, 409);
    });

    it('an unused schema can be deleted, then 404s', async () => {
      const s = await p.createSchema('Disposable', PROFILE, []);
      assert.equal((await p.call('DELETE', `${SR}/tenant/schemas/${enc(s)}`)).status, 204);
      assert.equal((await p.call('GET', `${SR}/tenant/schemas/${enc(s)}`, undefined, ACCEPT('xed'))).status, 404);
    });
  });
});
