import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { profileFixture, SB } from './testing/profile-fixture.js';
import type { SandboxRef } from './merge-policy-service.js';

const OTHER: SandboxRef = { orgId: SB.orgId, sandbox: { id: 'sb-2', name: 'dev', type: 'development', isDefault: false } };
const precedence = (order: unknown[]) => ({ name: 'p', schema: { name: '_xdm.context.profile' }, attributeMerge: { type: 'dataSetPrecedence', order } });

describe('merge policy references', () => {
  let f: ReturnType<typeof profileFixture>;
  beforeEach(async () => {
    f = profileFixture();
    await f.resources.put('dataset', SB.sandbox.id, 'crm', { id: 'crm' });
    await f.resources.put('dataset', SB.sandbox.id, 'web', { id: 'web' });
    await f.resources.put('dataset', OTHER.sandbox.id, 'dev-only', { id: 'dev-only' });
  });
  afterEach(() => f.close());

  it('a dataSetPrecedence policy over datasets of its sandbox is created, replaced and patched', async () => {
    const c = await f.ctx.mergePolicies.create(SB, precedence(['crm', 'web']));
    assert.ok(c.ok, JSON.stringify(!c.ok && c.error));
    const r = await f.ctx.mergePolicies.replace(SB, c.value.id, precedence(['web']));
    assert.ok(r.ok);
    const p = await f.ctx.mergePolicies.patch(SB, c.value.id, { op: 'replace', path: '/attributeMerge/order', value: ['crm'] });
    assert.ok(p.ok);
  });

  describe('invalid input', () => {
    const cases: Array<[string, (id: string) => Promise<{ ok: boolean; error?: { status: number; body: Record<string, unknown> } }>, RegExp]> = [
      ['create naming a dataset that exists nowhere', () => f.ctx.mergePolicies.create(SB, precedence(['crm', 'nope'])), /^mergePolicies\.attributeMerge\.order\[1\]: no dataset 'nope' in this sandbox$/],
      ['create naming a dataset of another sandbox', () => f.ctx.mergePolicies.create(SB, precedence(['dev-only'])), /^mergePolicies\.attributeMerge\.order\[0\]: no dataset 'dev-only' in this sandbox$/],
      ['another sandbox naming this one\'s dataset', () => f.ctx.mergePolicies.create(OTHER, precedence(['crm'])), /order\[0\]: no dataset 'crm'/],
      ['replace naming an unknown dataset', (id) => f.ctx.mergePolicies.replace(SB, id, precedence(['web', 'gone'])), /order\[1\]: no dataset 'gone'/],
      ['patch naming an unknown dataset', (id) => f.ctx.mergePolicies.patch(SB, id, { op: 'replace', path: '/attributeMerge/order', value: ['gone'] }), /order\[0\]: no dataset 'gone'/],
    ];
    for (const [name, call, re] of cases)
      it(name, async () => {
        const base = await f.ctx.mergePolicies.create(SB, precedence(['crm']));
        assert.ok(base.ok);
        const r = await call(base.value.id);
        assert.equal(r.ok, false);
        assert.equal(r.error!.status, 400);
        assert.match(String(r.error!.body.detail), re);
        const still = await f.ctx.mergePolicies.get(SB, base.value.id);
        assert.deepEqual(still.ok && still.value.attributeMerge, { type: 'dataSetPrecedence', order: ['crm'] }, 'nothing was written');
      });
  });
});
