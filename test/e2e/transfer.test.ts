import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { DEFAULTS, type KithConfig } from '../../src/config/config.js';
import { runTransfer } from '../../src/cli/transfer.js';
import { startTestKith } from '../../src/testing/test-kith.js';
import { pgTestUrl } from '../../src/store/postgres/pg-test-url.js';
import { Platform } from '../helpers/platform.js';

// the source is an embedded deployment, whatever the run's KITH_TEST_DATABASE_URL
delete process.env.KITH_TEST_DATABASE_URL;

const tmp = mkdtempSync(join(tmpdir(), 'kith-e2e-transfer-'));
const schema = `t_e2e_transfer_${process.pid}_${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
after(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
});

/** `kith export|import` in this process, as the command line runs it. */
async function kith(command: 'export' | 'import', cfg: KithConfig, rest: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) });
  const code = await runTransfer(command, cfg, rest, ['--data-dir', cfg.dataDir], {}, { out: sink((s) => (out += s)), errOut: sink((s) => (err += s)) });
  return { code, out, err };
}

const PROFILE = '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=jane@example.com&entityIdNS=email&fields=identities,person,personalEmail';
const BY_CRM = '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-1&entityIdNS=CRMID&fields=identities,person,personalEmail';
const EVENTS = '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=jane@example.com&relatedEntityIdNS=Email&orderby=-timestamp';

describe('an embedded deployment moved to PostgreSQL (kith export, kith import)', () => {
  it('answers the same profile and events from PostgreSQL, with the lake copied', async () => {
    const src = join(tmp, 'embedded');
    const k = await startTestKith({ dataDir: src });
    const p = new Platform(k);
    let answers: unknown[];
    try {
      assert.equal(k.storage.kind, 'sqlite');
      const { profSchema, evSchema, profDs, evDs, post: send } = await p.customersAndOrders('transfer e2e');
      const post = async (schema: string, ds: string, e: Record<string, unknown>) => assert.equal(await send(schema, ds, e), 200);
      await post(profSchema, profDs, { personalEmail: { address: 'jane@example.com' }, person: { name: { firstName: 'Jane', lastName: 'Doe' } }, identityMap: { CRMID: [{ id: 'crm-1' }] } });
      for (let i = 0; i < 3; i++)
        await post(evSchema, evDs, { _id: `order-${i}`, timestamp: `2026-03-0${i + 1}T10:00:00Z`, eventType: 'commerce.purchases', identityMap: { CRMID: [{ id: 'crm-1', primary: true }] }, commerce: { order: { priceTotal: 10 * (i + 1) } } });
      await k.processor.drain();
      answers = [];
      for (const url of [PROFILE, BY_CRM, EVENTS]) {
        const r = await p.call('GET', url);
        assert.equal(r.status, 200, r.body);
        answers.push(r.json);
      }
      assert.equal((answers[0] as Record<string, { entity: { person: { name: { firstName: string } } } }>)[Object.keys(answers[0] as object)[0]!]!.entity.person.name.firstName, 'Jane');
    } finally {
      await k.stop({ keepData: true });
    }

    const dump = join(tmp, 'dump');
    const e = await kith('export', { ...DEFAULTS, dataDir: src }, ['--out', dump]);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /identity\s+[1-9]\d* rows/);
    assert.match(e.out, /profile\s+[1-9]\d* rows/);

    const target = join(tmp, 'on-postgres');
    const i = await kith('import', { ...DEFAULTS, dataDir: target, databaseSchema: schema }, ['--in', dump, '--database-url', pgTestUrl(), '--copy-lake', src]);
    assert.equal(i.code, 0, i.err);
    // what the dump does not hold beside the lake, copied by hand as the import says
    const manifest = JSON.parse(readFileSync(join(dump, 'manifest.json'), 'utf8')) as { copyAlso: string[] };
    for (const f of manifest.copyAlso) if (!existsSync(join(target, f))) cpSync(join(src, f), join(target, f), { recursive: true });

    for (const table of ['kith_identity_observations', 'kith_profile_fragment', 'kith_profile_event'])
      assert.ok(Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0]!.n) > 0, `${table} imported`);
    const moved = await startTestKith({ dataDir: target, databaseUrl: pgTestUrl(), databaseSchema: schema, databasePoolMax: 4 });
    try {
      assert.equal(moved.storage.kind, 'postgres');
      const q = new Platform(moved);
      for (const [n, url] of [PROFILE, BY_CRM, EVENTS].entries()) {
        const r = await q.call('GET', url);
        assert.equal(r.status, 200, r.body);
        assert.deepEqual(r.json, answers[n], url);
      }
    } finally {
      await moved.stop({ keepData: true });
    }
  });
});
