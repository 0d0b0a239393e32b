import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { CredentialService } from '../auth/credentials.js';
import { SandboxService, type Sandbox } from './sandbox-service.js';

/**
 * Every sandbox of every org: for the processor's services, which know sandboxes by id only (the Query Service's
 * typed tables warm them all at start; journeys find the sandboxes with journeys and a sandbox's org).
 */
export async function allSandboxes(resources: ResourceStore, clock: Clock): Promise<Sandbox[]> {
  const sandboxes = new SandboxService(resources, clock);
  const out: Sandbox[] = [];
  for (const org of await new CredentialService(resources, clock).listOrgs()) out.push(...(await sandboxes.list(org.orgId)));
  return out;
}
