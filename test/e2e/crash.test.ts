import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestKith } from '../../src/testing/test-kith.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Starts `kith start` in a child process and resolves with its base URL. */
function startChild(dataDir: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/kith.js'), 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const t = setTimeout(() => reject(new Error(`child did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, baseUrl: m[1]! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
}

describe('crash safety (kill -9 during load)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('every acknowledged message is in the lake exactly once after restart', async () => {
    const { child, baseUrl } = await startChild(dataDir);
    const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
    const h = {
      authorization: `Bearer ${creds.accessToken}`,
      'x-api-key': creds.apiKey,
      'x-gw-ims-org-id': creds.orgId,
      'x-sandbox-name': 'prod',
      'content-type': 'application/json',
    };
    const post = async (path: string, body: unknown) => {
      const r = await fetch(baseUrl + path, { method: 'POST', headers: h, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as any };
    };
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
    const g = await fetch(`${baseUrl}/data/foundation/flowservice/connections/${conn.json.id}`, { headers: h });
    const inletId = ((await g.json()) as any).items[0].auth.params.inletId;
    const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };

    const acked = new Set<string>();
    let stop = false;
    let n = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const ids: string[] = [];
        const messages = [];
        for (let i = 0; i < 50; i++) {
          const id = `w${w}-${n++}`;
          ids.push(id);
          messages.push({ header: { schemaRef, datasetId }, body: { xdmMeta: { schemaRef }, xdmEntity: { _id: id, timestamp: '2026-01-01T00:00:00Z', eventType: 'crash.test' } } });
        }
        try {
          const r = await fetch(`${baseUrl}/collection/batch/${inletId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
          if (r.status !== 207) continue;
          const body = (await r.json()) as { responses: Array<{ xactionId?: string }> };
          body.responses.forEach((x, i) => x.xactionId && acked.add(ids[i]!));
        } catch {
          return; // the server died mid-request: that batch was not acknowledged
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    assert.ok(acked.size > 100, `some load was acknowledged (${acked.size})`);

    const k = await startTestKith({ dataDir });
    try {
      await k.processor.drain();
      const table = ((await k.app.inject({ method: 'GET', url: `/data/foundation/catalog/dataSets/${datasetId}`, headers: k.headers() })).json() as any)[datasetId].tags['adobe/pqs/table'][0];
      const rows = await k.queryLake(`SELECT _id, count(*)::INTEGER AS n FROM ${table} GROUP BY _id`);
      const counts = new Map(rows.map((r) => [String(r._id), Number(r.n)]));
      const missing = [...acked].filter((id) => !counts.has(id));
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged messages missing`);
      const dups = [...counts].filter(([, c]) => c !== 1);
      assert.deepEqual(dups.slice(0, 5), [], 'no message is stored twice');
    } finally {
      await k.stop({ keepData: true });
    }
  });
});
