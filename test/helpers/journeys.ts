import assert from 'node:assert/strict';
import http from 'node:http';
import type { Platform } from './platform.js';

/** A local HTTP receiver for journeys' custom actions: every call's JSON body, in arrival order. */
export async function startReceiver(): Promise<{ url: string; received: any[]; close(): Promise<void> }> {
  const received: any[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString() || 'null'));
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Creates a journey (its 1.0 draft) and publishes it; answers the ids. */
export async function publishJourney(p: Platform, definition: Record<string, unknown>): Promise<{ journeyId: string; versionId: string }> {
  const created = await p.call('POST', '/ajo/journeys', definition);
  assert.equal(created.status, 201, created.body);
  const journeyId = created.json.journey.id as string;
  const versionId = created.json.version.id as string;
  const published = await p.call('POST', `/ajo/journeys/${journeyId}/versions/${versionId}/publish`);
  assert.equal(published.status, 200, published.body);
  return { journeyId, versionId };
}

/** A person's journey instances (with their steps) through /ajo/journey-profiles. */
export async function journeysOf(p: Platform, namespace: string, id: string): Promise<any[]> {
  const r = await p.call('GET', `/ajo/journey-profiles?namespace=${encodeURIComponent(namespace)}&id=${encodeURIComponent(id)}`);
  assert.equal(r.status, 200, r.body);
  return r.json.instances as any[];
}

/** A streaming-evaluated segment definition over the profile; answers its id. */
export async function createSegment(p: Platform, name: string, pql: string): Promise<string> {
  const def = await p.call('POST', '/data/core/ups/segment/definitions', { name, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: pql } });
  assert.equal(def.status, 200, def.body);
  assert.equal(def.json.evaluationInfo.continuous.enabled, true, `${name} is streaming`);
  return def.json.id as string;
}
