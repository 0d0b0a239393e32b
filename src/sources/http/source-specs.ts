import { randomBytes, randomUUID } from 'node:crypto';
import type { ConnectionSpecDef, ParamSpec } from '../../flow/connection-specs.js';

/** Flow Service connection spec of the Shopify streaming source (Kith's own id). */
export const SHOPIFY_STREAMING_SPEC = '8c6a9b2e-5f3d-4c1a-9e7b-2d4f6a8c0e1b';
/** Flow Service connection spec of the Segment-compatible tracking source (Kith's own id). */
export const SEGMENT_SOURCE_SPEC = '3f2a6c1e-9d4b-4e8a-b7c5-1a2d3e4f5a6b';
/** Flow Service connection spec of an Edge datastream (Kith's own id); `auth.params.datastreamId` is the configId. */
export const EDGE_DATASTREAM_SPEC = '6d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';

/** Every source may name its own datasets (of the connection's sandbox); else they are provisioned on first use. */
const DATASETS: Record<string, ParamSpec> = { profileDataSetId: { type: 'dataset' }, eventDataSetId: { type: 'dataset' } };
const filled = (v: unknown, make: () => string) => (typeof v === 'string' && v ? v : make());

/** Shopify: the shop and the app's client secret (every webhook's HMAC is checked with it) are required. */
export const SHOPIFY_SPEC_DEF: ConnectionSpecDef = {
  name: 'Shopify',
  authParams: {
    shopDomain: { type: 'string', required: true, pattern: { re: /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i, meaning: 'a <shop>.myshopify.com domain' } },
    clientSecret: { type: 'string', required: true },
    clientId: { type: 'string' },
    adminBaseUrl: { type: 'string', pattern: { re: /^https?:\/\/[^\s/]+/, meaning: 'an http(s) URL' } },
    apiVersion: { type: 'string', pattern: { re: /^\d{4}-\d{2}$|^unstable$/, meaning: 'a Shopify API version such as "2026-07"' } },
    scopes: { type: 'string[]' },
    topics: { type: 'string[]' },
    ...DATASETS,
  },
};

/** Segment: nothing is required (the write key is minted when not given). */
export const SEGMENT_SPEC_DEF: ConnectionSpecDef = {
  name: 'Segment',
  authParams: { writeKey: { type: 'string' }, userIdNamespace: { type: 'string' }, previousIdNamespace: { type: 'string' }, ...DATASETS },
  fill: (params) => ({ ...params, writeKey: filled(params.writeKey, () => `kith_wk_${randomBytes(16).toString('hex')}`) }),
};

/** Web SDK datastream: nothing is required (the datastream id is minted when not given). */
export const EDGE_SPEC_DEF: ConnectionSpecDef = {
  name: 'Web SDK datastream',
  authParams: { datastreamId: { type: 'string' }, defaultConsent: { type: 'string', enum: ['in', 'out', 'pending'] }, ...DATASETS },
  fill: (params) => ({ ...params, datastreamId: filled(params.datastreamId, randomUUID) }),
};
