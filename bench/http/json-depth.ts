// The nesting check's cost next to JSON.parse, on a 1 MB /collection/batch body of XDM events and on a deep body.
import { exceedsDepth, MAX_JSON_DEPTH } from '../../src/shared/json-depth.js';
import { hardware } from '../hardware.js';

const event = (i: number) => ({
  header: { schemaRef: { id: 'https://ns.adobe.com/acme/schemas/abc', contentType: 'application/vnd.adobe.xed-full+json;version=1' }, imsOrgId: 'X@AdobeOrg', datasetId: 'd'.repeat(24), source: { name: 'bench' } },
  body: {
    xdmMeta: { schemaRef: { id: 'https://ns.adobe.com/acme/schemas/abc', contentType: 'application/vnd.adobe.xed-full+json;version=1' } },
    xdmEntity: {
      _id: `e-${i}`,
      timestamp: '2026-01-02T03:04:05Z',
      eventType: 'commerce.purchases',
      identityMap: { Email: [{ id: `u${i}@example.com`, primary: true }], ECID: [{ id: String(10n ** 37n + BigInt(i)) }] },
      commerce: { order: { priceTotal: 10, currencyCode: 'USD' }, purchases: { value: 1 } },
      productListItems: Array.from({ length: 8 }, (_, j) => ({ SKU: `sku-${j}`, name: `Product ${j}`, quantity: 1, priceTotal: 1.5, _acme: { tags: ['a', 'b'], attrs: { color: 'red', size: 'M' } } })),
      web: { webPageDetails: { URL: 'https://example.com/p', name: 'page' }, webReferrer: { URL: 'https://example.com/' } },
    },
  },
});

function time(fn: () => unknown, runs: number): number {
  for (let i = 0; i < 5; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1e6 / runs;
}

const messages: unknown[] = [];
let text = '';
for (let i = 0; Buffer.byteLength(text) < 1_000_000; i++) {
  messages.push(event(i));
  text = JSON.stringify({ messages });
}
const parsed = JSON.parse(text) as unknown;
const parseMs = time(() => JSON.parse(text), 50);
const checkMs = time(() => exceedsDepth(parsed, MAX_JSON_DEPTH), 50);
const deepText = '['.repeat(100_000) + ']'.repeat(100_000);
const deep = JSON.parse(deepText) as unknown;
const deepCheckMs = time(() => exceedsDepth(deep, MAX_JSON_DEPTH), 50);

console.log(
  JSON.stringify({
    name: 'json-depth-check',
    figure: Number(((checkMs / parseMs) * 100).toFixed(1)),
    unit: '% of JSON.parse time on a 1 MB batch',
    hardware: hardware(),
    baseline: { parseMs: Number(parseMs.toFixed(3)), checkMs: Number(checkMs.toFixed(3)) },
    bodyBytes: Buffer.byteLength(text),
    messages: messages.length,
    limit: MAX_JSON_DEPTH,
    deep100kCheckMs: Number(deepCheckMs.toFixed(4)),
  }),
);
