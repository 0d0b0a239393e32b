import type { KithConfig } from '../config/config.js';
import { loadCreds } from './ingest.js';

export const SETUP_USAGE = '  kith setup commerce                      set up the sandbox for Adobe Commerce (namespace, schemas, datasets, datastream)';

interface Item {
  status: 'created' | 'found';
  id: string;
  name: string;
  code?: string;
  datastreamId?: string;
}

/** The readable report of `kith setup commerce`. */
export function formatCommerceReport(r: Record<string, Item | string[]>, baseUrl: string): string {
  const line = (label: string, i: Item, extra = '') => `  ${i.status === 'created' ? 'created' : 'found  '}  ${label.padEnd(16)} ${i.name}  (${i.id})${extra}\n`;
  const ds = r.datastream as Item;
  return [
    'Adobe Commerce setup\n',
    line('namespace', r.namespace as Item, ` code ${(r.namespace as Item).code ?? ''}`),
    line('event schema', r.eventSchema as Item),
    line('profile schema', r.profileSchema as Item),
    line('events dataset', r.eventDataset as Item),
    line('profile dataset', r.profileDataset as Item),
    line('datastream', ds),
    `\n${(r.created as string[]).length} created, ${(r.found as string[]).length} already there.\n`,
    `Datastream id (Edge configId): ${ds.datastreamId ?? ''}\n`,
    `  storefront (Web SDK):   ${baseUrl}/ee/v1/interact?configId=${ds.datastreamId ?? ''}\n`,
    `  back office, profiles:  ${baseUrl}/ee/v2/collect?dataStreamId=${ds.datastreamId ?? ''}\n`,
  ].join('');
}

/**
 * `kith setup commerce`: calls `POST /data/foundation/kith/setup/commerce` on the running server (credentials from
 * `<data dir>/credentials.json` or KITH_URL / KITH_TOKEN / KITH_API_KEY / KITH_ORG_ID / KITH_SANDBOX) and prints
 * what was created and what was found.
 */
export async function runSetup(cfg: KithConfig, args: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (args[0] !== 'commerce') {
    out.write(`usage:\n${SETUP_USAGE}\n`);
    return 2;
  }
  const creds = loadCreds(cfg, process.env);
  if (!creds) {
    out.write('kith setup: no credentials; start the server once or set KITH_URL, KITH_TOKEN, KITH_API_KEY, KITH_ORG_ID\n');
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(`${creds.baseUrl}/data/foundation/kith/setup/commerce`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.accessToken}`, 'x-api-key': creds.apiKey, 'x-gw-ims-org-id': creds.orgId, 'x-sandbox-name': creds.sandbox, 'content-type': 'application/json' },
      body: '{}',
    });
  } catch (e) {
    out.write(`kith setup: cannot reach ${creds.baseUrl}: ${(e as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) {
    out.write(`kith setup commerce: failed (${res.status}): ${text}\n`);
    return 1;
  }
  out.write(formatCommerceReport(JSON.parse(text) as Record<string, Item | string[]>, creds.baseUrl));
  return 0;
}
