import type { KithConfig } from '../config/config.js';
import { openStorage, storageConfigOf } from '../runtime/storage.js';
import { CredentialService } from '../auth/credentials.js';
import { systemClock } from '../shared/clock.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `kith admin …`: credential management against the server's stores (works while it runs: SQLite WAL, or PostgreSQL). */
export async function runAdmin(cfg: KithConfig, args: string[]): Promise<number> {
  const opened = await openStorage(storageConfigOf(cfg), 'cli');
  if (!opened.ok) {
    process.stderr.write(`kith admin: ${opened.error}\n`);
    return 1;
  }
  const storage = opened.value;
  try {
    const creds = new CredentialService(storage.stores.resources, systemClock);
    const saved = join(cfg.dataDir, 'credentials.json');
    const orgId = cfg.orgId ?? (existsSync(saved) ? (JSON.parse(readFileSync(saved, 'utf8')) as { orgId: string }).orgId : (await creds.listOrgs())[0]?.orgId);
    if (!orgId || !(await creds.getOrg(orgId))) {
      process.stderr.write(`kith admin: no org found in ${storage.kind === 'postgres' ? 'the database' : 'the data directory'}; start the server once first\n`);
      return 1;
    }
    const [what, verb, ...rest] = args;
    if (what === 'credentials' && verb === 'create') {
      const i = rest.indexOf('--name');
      const issued = await creds.createCredential(orgId, i >= 0 ? (rest[i + 1] ?? 'cli') : 'cli');
      const token = await creds.issueToken(issued.credential);
      process.stdout.write(
        JSON.stringify({ id: issued.credential.id, orgId, apiKey: issued.apiKey, clientSecret: issued.clientSecret, accessToken: token }, null, 2) + '\n',
      );
      return 0;
    }
    if (what === 'credentials' && verb === 'list') {
      for (const c of await creds.listCredentials(orgId))
        process.stdout.write(`${c.id}  ${c.apiKeyPrefix}…  ${c.name}  ${c.revoked ? 'revoked' : 'active'}\n`);
      return 0;
    }
    if (what === 'credentials' && verb === 'revoke' && rest[0]) {
      const ok = await creds.revokeCredential(orgId, rest[0]);
      process.stdout.write(ok ? 'revoked\n' : 'no such credential\n');
      return ok ? 0 : 1;
    }
    if (what === 'token' && verb === 'revoke' && rest[0]) {
      const ok = await creds.revokeToken(rest[0]);
      process.stdout.write(ok ? 'revoked\n' : 'no such token\n');
      return ok ? 0 : 1;
    }
    process.stderr.write('kith admin: usage: credentials create|list|revoke <id> | token revoke <token>\n');
    return 2;
  } finally {
    await storage.close();
  }
}
