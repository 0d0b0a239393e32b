import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake } from '../../../lake/lake.js';
import { openSqlite } from '../../../store/sqlite/open.js';
import { SqliteResourceStore } from '../../../store/sqlite/sqlite-resource-store.js';
import { SchemaRegistry } from '../../../schema/schema-registry.js';
import { CatalogService } from '../../../catalog/catalog-service.js';
import { ManualClock } from '../../../shared/clock.js';
import type { SandboxContext } from '../../../http/request-context.js';
import type { Sandbox } from '../../../sandbox/sandbox-service.js';
import type { StepEvent } from '../../journey-types.js';
import { JourneySystemDatasets } from '../journey-system-datasets.js';

export const ORG = 'ABCDEF0123456789ABCDEF01@AdobeOrg';

/** A real Lake (DuckDB) and resource store (SQLite) in a temp dir, the real Schema Registry, Catalog and provisioner. */
export class StepEventsFixture {
  private constructor(
    readonly dir: string,
    readonly lake: Lake,
    readonly resources: SqliteResourceStore,
    readonly schemas: SchemaRegistry,
    readonly catalog: CatalogService,
    readonly clock: ManualClock,
  ) {}

  static async open(): Promise<StepEventsFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'kith-jsteps-'));
    const lake = await Lake.open(dir);
    const resources = new SqliteResourceStore(openSqlite(dir, 'control'));
    const clock = new ManualClock();
    const schemas = new SchemaRegistry(resources, clock);
    const catalog = new CatalogService(resources, schemas, clock);
    return new StepEventsFixture(dir, lake, resources, schemas, catalog, clock);
  }

  provisioner(): JourneySystemDatasets {
    return new JourneySystemDatasets(this.schemas, this.catalog, this.resources);
  }

  ctx(id: string, name = id): SandboxContext {
    const sandbox: Sandbox = {
      id, orgId: ORG, name, title: name, type: 'development', isDefault: false, state: 'active',
      createdDate: 0, lastModifiedDate: 0, createdBy: 'test', lastModifiedBy: 'test',
    };
    return { orgId: ORG, tenantId: 'kith', sandbox, actor: 'tester', requestId: 'r' };
  }

  async close(): Promise<void> {
    await this.lake.close();
    await this.resources.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A realistic step event (the start of an instance unless `extra` says otherwise). */
export function stepEvent(instance: string, index: number, extra: Partial<StepEvent> = {}): StepEvent {
  return {
    id: `${instance}:${index}`,
    sandboxId: 'sb-1',
    timestamp: Date.UTC(2026, 11, 1, 12, 0, index),
    journeyId: 'j-1',
    journeyVersionId: 'jv-1',
    journeyVersionName: 'Welcome',
    journeyVersion: '1.0',
    instanceId: instance,
    instanceType: 'unitary',
    identity: { namespace: 'Email', id: `${instance}@example.com` },
    nodeId: index === 0 ? 'start' : `n${index}`,
    nodeName: index === 0 ? 'Start' : `Node ${index}`,
    nodeType: index === 0 ? 'start' : 'wait',
    stepStatus: 'transitions',
    entrance: index === 0,
    instanceEnded: false,
    inTest: false,
    eventID: `ev-${instance}`,
    processingTime: 3,
    ...extra,
  };
}
