import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';

export const ID_TYPES = ['COOKIE', 'CROSS_DEVICE', 'DEVICE', 'EMAIL', 'MOBILE', 'NON_PEOPLE', 'PHONE', 'PARTNER'] as const;
export type IdType = (typeof ID_TYPES)[number];

export interface Namespace {
  id: number;
  code: string;
  name: string;
  description: string;
  idType: IdType;
  status: 'ACTIVE';
  custom: boolean;
  createTime: number;
  updateTime: number;
}

const T0 = 1495153678000;
const std = (id: number, code: string, name: string, idType: IdType): Namespace => ({ id, code, name, description: `${name} Namespace`, idType, status: 'ACTIVE', custom: false, createTime: T0, updateTime: T0 });

/** AEP's standard namespaces (codes and numeric ids per the Privacy Service appendix), plus the ones Kith's sources use. */
export const STANDARD_NAMESPACES: Namespace[] = [
  std(0, 'CORE', 'Adobe Audience Manager UUID', 'COOKIE'),
  std(4, 'ECID', 'Adobe Experience Cloud ID', 'COOKIE'),
  std(6, 'Email', 'Email', 'EMAIL'),
  std(7, 'Phone', 'Phone', 'PHONE'),
  std(8, 'WAID', 'Windows AID', 'DEVICE'),
  std(9, 'TNTID', 'Adobe Target ID', 'COOKIE'),
  std(10, 'AAID', 'Adobe Analytics (Legacy ID)', 'COOKIE'),
  std(11, 'Email_LC_SHA256', 'Emails (SHA256, lowercased)', 'EMAIL'),
  std(12, 'Phone_SHA256', 'Phone (SHA256)', 'PHONE'),
  std(13, 'Phone_E.164', 'Phone (E.164)', 'PHONE'),
  std(14, 'Phone_SHA256_E.164', 'Phone (SHA256_E.164)', 'PHONE'),
  std(411, 'AdCloud', 'Adobe Advertising Cloud', 'COOKIE'),
  std(20914, 'GAID', 'Google Ad ID', 'DEVICE'),
  std(20915, 'IDFA', 'Apple IDFA', 'DEVICE'),
  // sources shipped with Kith
  std(90001, 'ShopifyCustomerId', 'Shopify Customer ID', 'CROSS_DEVICE'),
  std(90002, 'ShopifyOrderId', 'Shopify Order ID', 'NON_PEOPLE'),
  std(90003, 'ShopifyCartToken', 'Shopify Cart Token', 'COOKIE'),
  std(90004, 'ShopifyCheckoutToken', 'Shopify Checkout Token', 'COOKIE'),
  std(90005, 'SegmentUserId', 'Segment User ID', 'CROSS_DEVICE'),
  std(90006, 'SegmentAnonymousId', 'Segment Anonymous ID', 'COOKIE'),
];

const NS_PROBLEM = 'http://ns.adobe.com/adobecloud/problem/namespacevalidation';
const nsProblem = (status: number, title: string, report: Record<string, string>): Problem => ({
  status,
  body: { timestamp: new Date().toISOString(), type: NS_PROBLEM, status, title, report },
});

/** Identity namespaces of a sandbox: the standard ones plus custom ones. Codes match case-insensitively. */
export class NamespaceService {
  private readonly cache = new Map<string, Namespace[]>();
  private readonly byCodeCache = new Map<string, Map<string, Namespace>>();

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
  ) {}

  async list(sandboxId: string): Promise<Namespace[]> {
    const hit = this.cache.get(sandboxId);
    if (hit) return hit;
    const custom = (await this.store.list<Namespace>('namespace', sandboxId)).map((r) => r.doc);
    const all = [...STANDARD_NAMESPACES, ...custom];
    this.cache.set(sandboxId, all);
    this.byCodeCache.set(sandboxId, new Map(all.map((n) => [n.code.toLowerCase(), n])));
    return all;
  }

  async byCode(sandboxId: string, code: string): Promise<Namespace | undefined> {
    let m = this.byCodeCache.get(sandboxId);
    if (!m) {
      await this.list(sandboxId);
      m = this.byCodeCache.get(sandboxId)!;
    }
    return m.get(code) ?? m.get(code.toLowerCase());
  }

  async byId(sandboxId: string, id: number): Promise<Namespace | undefined> {
    return (await this.list(sandboxId)).find((n) => n.id === id);
  }

  /** Drops a sandbox's cached namespaces (another thread's instance may have created one). */
  forget(sandboxId: string): void {
    this.cache.delete(sandboxId);
    this.byCodeCache.delete(sandboxId);
  }

  /** Namespace from an identityMap key: a code, or a numeric id. */
  async resolve(sandboxId: string, key: string): Promise<Namespace | undefined> {
    return /^\d+$/.test(key) ? this.byId(sandboxId, Number(key)) : this.byCode(sandboxId, key);
  }

  /** A synchronous resolver (code, any case, or numeric id) over the sandbox's namespaces as they are now: for hot loops. */
  async resolver(sandboxId: string): Promise<(key: string) => Namespace | undefined> {
    const all = await this.list(sandboxId);
    // one resolver per version of the list (the identity service asks for it per record)
    let r = this.resolvers.get(all);
    if (r) return r;
    const byCode = this.byCodeCache.get(sandboxId)!;
    const byId = new Map(all.map((n) => [String(n.id), n]));
    const exact = new Map(all.map((n) => [n.code, n]));
    r = (key) => exact.get(key) ?? byCode.get(key.toLowerCase()) ?? (/^\d+$/.test(key) ? byId.get(key) : undefined);
    this.resolvers.set(all, r);
    return r;
  }
  private readonly resolvers = new WeakMap<Namespace[], (key: string) => Namespace | undefined>();

  async create(sandboxId: string, body: unknown): Promise<Result<Namespace, Problem>> {
    const b = (body ?? {}) as { name?: unknown; code?: unknown; idType?: unknown; description?: unknown };
    if (typeof b.name !== 'string' || typeof b.code !== 'string' || typeof b.idType !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(b.code))
      return err(nsProblem(400, 'INVALID_REQUEST_PARAMS', { code: 'INVALID_REQUEST_PARAMS', message: 'name, code (letters, digits, _ . -) and idType are required' }));
    const idType = b.idType.toUpperCase() as IdType;
    if (!ID_TYPES.includes(idType)) return err(nsProblem(400, 'INVALID_REQUEST_PARAMS', { code: 'INVALID_REQUEST_PARAMS', message: `idType must be one of ${ID_TYPES.join(', ')}` }));
    if (await this.byCode(sandboxId, b.code)) return err(nsProblem(409, 'NAMESPACE_CODE_CONFLICT', { code: 'INTEGRATION_CODE_EXISTS', message: `A namespace with code ${b.code} already exists` }));
    const now = this.clock.now();
    const existing = await this.list(sandboxId);
    const ns: Namespace = {
      id: 10018776 + existing.filter((n) => n.custom).length,
      code: b.code,
      name: b.name,
      description: typeof b.description === 'string' ? b.description : '',
      idType,
      status: 'ACTIVE',
      custom: true,
      createTime: now,
      updateTime: now,
    };
    await this.store.put('namespace', sandboxId, String(ns.id), ns);
    this.cache.delete(sandboxId);
    this.byCodeCache.delete(sandboxId);
    return ok(ns);
  }

  async update(sandboxId: string, id: number, body: unknown): Promise<Result<Namespace, Problem>> {
    const cur = await this.byId(sandboxId, id);
    if (!cur) return err(nsProblem(404, 'NAMESPACE_NOT_FOUND', { code: 'NAMESPACE_NOT_FOUND', message: `No namespace with id ${id}` }));
    const b = (body ?? {}) as { name?: unknown; description?: unknown; code?: unknown; idType?: unknown };
    if ((b.code !== undefined && b.code !== cur.code) || (b.idType !== undefined && String(b.idType).toUpperCase() !== cur.idType))
      return err(nsProblem(400, 'INVALID_REQUEST_PARAMS', { code: 'INVALID_REQUEST_PARAMS', message: 'code and idType are non editable fields' }));
    if (!cur.custom) return err(nsProblem(400, 'INVALID_REQUEST_PARAMS', { code: 'INVALID_REQUEST_PARAMS', message: 'standard namespaces cannot be changed' }));
    const next: Namespace = { ...cur, name: typeof b.name === 'string' ? b.name : cur.name, description: typeof b.description === 'string' ? b.description : cur.description, updateTime: this.clock.now() };
    await this.store.put('namespace', sandboxId, String(id), next);
    this.cache.delete(sandboxId);
    this.byCodeCache.delete(sandboxId);
    return ok(next);
  }

  notFound(id: string): Problem {
    return nsProblem(404, 'NAMESPACE_NOT_FOUND', { code: 'NAMESPACE_NOT_FOUND', message: `No namespace with id ${id}` });
  }
}
