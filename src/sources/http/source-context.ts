import type { CredentialService } from '../../auth/credentials.js';
import type { SandboxService } from '../../sandbox/sandbox-service.js';
import type { SandboxContext } from '../../http/request-context.js';

/** A request context for work a source endpoint does on behalf of a connection's sandbox (no gateway headers). */
export async function sourceContext(
  creds: CredentialService,
  sandboxes: SandboxService,
  orgId: string,
  sandboxId: string,
  actor: string,
  requestId: string,
): Promise<SandboxContext | undefined> {
  const org = await creds.getOrg(orgId);
  const sandbox = await sandboxes.getById(orgId, sandboxId);
  if (!org || !sandbox) return undefined;
  return { orgId, tenantId: org.tenantId, sandbox, actor, requestId };
}
