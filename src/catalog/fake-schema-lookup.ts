import type { SchemaInfo, SchemaLookup } from '../schema/schema-lookup.js';

/**
 * Test double for the Schema Registry's `SchemaLookup` (another context's port): schemas are registered per
 * sandbox by `$id` and altId. Only used by Catalog tests.
 */
export class FakeSchemaLookup implements SchemaLookup {
  private readonly bySandbox = new Map<string, Map<string, SchemaInfo>>();
  readonly inUse: Array<{ sandboxId: string; schemaId: string }> = [];

  add(sandboxId: string, id: string, opts: { union?: boolean; classId?: string } = {}): SchemaInfo {
    const hex = id.split('/').pop() ?? id;
    const info: SchemaInfo = {
      id,
      altId: `_kith.schemas.${hex}`,
      title: hex,
      classId: opts.classId ?? 'https://ns.adobe.com/xdm/context/profile',
      behavior: 'record',
      union: opts.union ?? false,
      version: '1.0',
    };
    const m = this.bySandbox.get(sandboxId) ?? new Map<string, SchemaInfo>();
    m.set(info.id, info);
    m.set(info.altId, info);
    this.bySandbox.set(sandboxId, m);
    return info;
  }

  async getSchema(sandboxId: string, idOrAltId: string): Promise<SchemaInfo | undefined> {
    return this.bySandbox.get(sandboxId)?.get(idOrAltId);
  }

  async validator(): Promise<undefined> {
    return undefined;
  }

  async identityDescriptors(): Promise<[]> {
    return [];
  }

  async markInUse(sandboxId: string, schemaId: string): Promise<void> {
    this.inUse.push({ sandboxId, schemaId });
  }
}
