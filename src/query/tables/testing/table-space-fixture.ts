import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Lake } from '../../../lake/lake.js';
import { openSqlite } from '../../../store/sqlite/open.js';
import { SqliteResourceStore } from '../../../store/sqlite/sqlite-resource-store.js';
import { SchemaRegistry } from '../../../schema/schema-registry.js';
import { CatalogService } from '../../../catalog/catalog-service.js';
import { ManualClock } from '../../../shared/clock.js';
import type { SandboxContext } from '../../../http/request-context.js';
import type { Sandbox } from '../../../sandbox/sandbox-service.js';
import type { LakeRow } from '../../../ingest/processor/processor-ports.js';
import { unwrap } from '../../../shared/result.js';
import { TABLE_TAG } from '../../../catalog/catalog-types.js';
import type { SessionSpec } from '../../engine/query-engine.js';
import { LakeTableSpace } from '../lake-table-space.js';

export const ORG = 'ABCDEF0123456789ABCDEF01@AdobeOrg';
const CTX = 'https://ns.adobe.com/xdm/context/';

const sandbox = (id: string, name: string): Sandbox => ({
  id, orgId: ORG, name, title: name, type: name === 'prod' ? 'production' : 'development', isDefault: false, state: 'active',
  createdDate: 0, lastModifiedDate: 0, createdBy: 'test', lastModifiedBy: 'test',
});

/** A real Lake in a temp dir, a SQLite resource store, the real Schema Registry and Catalog, and the table space. */
export class TableSpaceFixture {
  readonly clock = new ManualClock();
  private offset = 0;
  private constructor(
    readonly dir: string,
    readonly lake: Lake,
    readonly schemas: SchemaRegistry,
    readonly catalog: CatalogService,
    readonly space: LakeTableSpace,
    readonly errors: unknown[],
  ) {}

  static async open(): Promise<TableSpaceFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'kith-tables-'));
    const lake = await Lake.open(dir);
    const store = new SqliteResourceStore(openSqlite(dir, 'control'));
    const clock = new ManualClock();
    const schemas = new SchemaRegistry(store, clock);
    const catalog = new CatalogService(store, schemas, clock);
    const errors: unknown[] = [];
    const space = LakeTableSpace.create({ lake, catalog, schemas, clock, onError: (e) => errors.push(e) });
    await space.start();
    return new TableSpaceFixture(dir, lake, schemas, catalog, space, errors);
  }

  ctx(id: string, name: string): SandboxContext {
    return { orgId: ORG, tenantId: 'kith', sandbox: sandbox(id, name), actor: 'tester', requestId: 'r' };
  }

  spec(id: string, name: string, flatten = false): SessionSpec {
    return { orgId: ORG, sandboxId: id, sandboxName: name, flatten, user: 'tester' };
  }

  /** An ExperienceEvent schema with IdentityMap, Commerce and Web field groups, and a dataset of it; returns its table. */
  async eventsDataset(ctx: SandboxContext, name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const s = unwrap(await this.schemas.create(ctx, 'schemas', { title: `${name} schema`, allOf: [CTX + 'experienceevent', CTX + 'identitymap', CTX + 'experienceevent-commerce', CTX + 'experienceevent-web'].map(($ref) => ({ $ref })) }));
    const ds = unwrap(await this.catalog.createDataset(ctx, { name, schemaRef: { id: s.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, ...extra }));
    return ds.tags[TABLE_TAG]![0]!;
  }

  async profileDataset(ctx: SandboxContext, name: string): Promise<string> {
    const s = unwrap(await this.schemas.create(ctx, 'schemas', { title: `${name} schema`, allOf: [CTX + 'profile', CTX + 'identitymap', CTX + 'profile-person-details', CTX + 'profile-personal-details'].map(($ref) => ({ $ref })) }));
    const ds = unwrap(await this.catalog.createDataset(ctx, { name, schemaRef: { id: s.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' } }));
    return ds.tags[TABLE_TAG]![0]!;
  }

  /** Writes records as the processor does (`Lake.write`, one consumer, increasing offsets). */
  async write(sandboxId: string, table: string, records: Array<Record<string, unknown>>): Promise<void> {
    const rows: LakeRow[] = records.map((r) => ({
      sandboxId, table, id: typeof r._id === 'string' ? r._id : null,
      timestamp: typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : null,
      batchId: 'B1', offset: ++this.offset, ingestedAt: this.clock.now(), record: JSON.stringify(r),
    }));
    await this.lake.write('test', this.offset, rows);
  }

  /** Runs SQL the way the engine will: prepare, search_path from the view, table refs already resolved by the caller. */
  async rows(conn: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> {
    const r = await conn.runAndReadAll(sql);
    return r.getRowObjectsJson() as Array<Record<string, unknown>>;
  }

  async close(): Promise<void> {
    await this.space.close();
    await this.lake.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A realistic ExperienceEvent. */
export function event(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: `ev-${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1 + (i % 3), 12)).toISOString(),
    eventType: i % 2 ? 'commerce.purchases' : 'web.webpagedetails.pageViews',
    identityMap: { Email: [{ id: `u${i}@example.com`, primary: true, authenticatedState: 'authenticated' }] },
    commerce: { order: { priceTotal: i * 10.5, currencyCode: 'EUR', purchaseID: `p${i}` }, purchases: { value: 1 } },
    web: { webPageDetails: { URL: `https://shop.example/${i}`, name: 'Home' } },
    ...extra,
  };
}
