import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope, MessageErrors } from './envelope.js';

const ORG = 'ORG@AdobeOrg';
const ref = { id: 'https://ns.adobe.com/kith/schemas/abc', contentType: 'application/vnd.adobe.xed-full+json;version=1' };
const env = (over: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
  header: { schemaRef: ref, imsOrgId: ORG, datasetId: 'ds1', source: { name: 'web' }, ...over },
  body: { xdmMeta: { schemaRef: ref }, xdmEntity: { _id: '1' }, ...body },
});

describe('parseEnvelope', () => {
  it('parses the current envelope', () => {
    const r = parseEnvelope(env(), ORG);
    assert.ok(r.ok);
    assert.equal(r.value.datasetId, 'ds1');
    assert.equal(r.value.schemaRef, ref.id);
    assert.equal(r.value.sourceName, 'web');
    assert.deepEqual(r.value.entity, { _id: '1' });
  });
  it('fills a missing imsOrgId with the inlet org', () => {
    const e = env();
    delete (e.header as Record<string, unknown>).imsOrgId;
    const r = parseEnvelope(e, ORG);
    assert.ok(r.ok && r.value.imsOrgId === ORG);
  });
  it('accepts the legacy xdmSchema header', () => {
    const r = parseEnvelope(
      { header: { msgType: 'xdmEntityCreate', xdmSchema: { name: '_xdm.context.experienceevent' }, datasetId: 'd' }, body: { xdmEntity: { a: 1 } } },
      ORG,
    );
    assert.ok(r.ok && r.value.legacySchemaName === '_xdm.context.experienceevent');
  });
  it('accepts a flowId', () => {
    const r = parseEnvelope(env({ flowId: 'f1' }), ORG);
    assert.ok(r.ok && r.value.flowId === 'f1');
  });

  describe('invalid input', () => {
    const cases: Array<[string, unknown, string]> = [
      ['not an object', [1], MessageErrors.notObject],
      ['null', null, MessageErrors.notObject],
      ['no body', { header: env().header }, MessageErrors.unknownFormat],
      ['no entity', env({}, { xdmEntity: undefined }), MessageErrors.unknownFormat],
      ['entity is an array', env({}, { xdmEntity: [] }), MessageErrors.unknownFormat],
      ['wrong org', env({ imsOrgId: 'OTHER@AdobeOrg' }), MessageErrors.wrongOrg],
      ['no dataset', env({ datasetId: undefined }), MessageErrors.missingDataset],
      ['schemaRef without contentType', env({ schemaRef: { id: ref.id } }), MessageErrors.unknownFormat],
      ['header/meta schema mismatch', env({}, { xdmMeta: { schemaRef: { ...ref, id: 'other' } } }), MessageErrors.unknownFormat],
      ['no schema at all', { header: { datasetId: 'd' }, body: { xdmEntity: {} } }, MessageErrors.unknownFormat],
    ];
    for (const [name, input, error] of cases) {
      it(name, () => assert.deepEqual(parseEnvelope(input, ORG), { ok: false, error }));
    }
  });
});
