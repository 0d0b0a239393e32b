/**
 * The generated data as DuckDB SQL (JSON built by `json_object` over `range(n)`): rows in the lake's raw dataset
 * layout (`_id`, `timestamp`, `_kith_batch_id`, `_kith_offset`, `_kith_ingested_at`, `record`). Deterministic: row i
 * is the same in every run (DuckDB's `hash`), so a data directory regenerated elsewhere holds the same data.
 *
 * Events: 90 days from 2026-09-01 in `_id` order (as ingestion would append them), person `hash(i) % people`; 55 %
 * web page views, 30 % commerce product views, 8 % product-list adds, 7 % purchases (order with a payment, 1-3
 * productListItems). Every event has identityMap (ECID + Email), web, device and environment objects.
 * Profiles: person.name, personalEmail (the events' Email identity), loyalty (tier, points), homeAddress.
 */

/** First event time; events are spread evenly over DAYS days from here. */
export const EVENTS_FROM = '2026-09-01 00:00:00+00';
export const DAYS = 90;
/** `_kith_batch_id` of the generated rows (no Catalog batch: they never went through ingestion). */
export const GENERATED_BATCH = 'bench-query-generated';

const pick = (values: string[], expr: string) => `([${values.map((v) => `'${v}'`).join(',')}])[1 + ((${expr}) % ${values.length})::INTEGER]`;

/** INSERT of events [from, from + count) of `total` into `table` (the raw lake table, qualified). */
export function eventsInsertSql(table: string, from: number, count: number, total: number, people: number): string {
  const microsPerEvent = Math.max(1, Math.floor((DAYS * 86_400_000_000) / total));
  return `
INSERT INTO ${table}
WITH b AS (
  SELECT i, hash(i) AS h, (hash(i) % ${people})::BIGINT AS p, (hash(i * 3 + 1) % 100)::INTEGER AS k,
         TIMESTAMPTZ '${EVENTS_FROM}' + to_microseconds((i * ${microsPerEvent})::BIGINT) AS ts
  FROM range(${from}, ${from + count}) t(i)
), e AS (
  SELECT i, h, p, k, ts, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS iso,
    CASE WHEN k < 55 THEN 'web.webpagedetails.pageViews' WHEN k < 85 THEN 'commerce.productViews' WHEN k < 93 THEN 'commerce.productListAdds' ELSE 'commerce.purchases' END AS et,
    json_object(
      'ECID', json_array(json_object('id', lpad((p * 7919 + 1000003)::VARCHAR, 38, '0'), 'primary', true)),
      'Email', json_array(json_object('id', 'p' || p || '@example.com', 'authenticatedState', 'authenticated', 'primary', false))) AS idm,
    json_object('type', ${pick(['mobile', 'desktop', 'tablet'], 'h')}, 'manufacturer', ${pick(['Apple', 'Samsung', 'Google', 'Dell'], 'h // 3')},
      'screenWidth', ${pick(['390', '1920', '820'], 'h')}::INTEGER, 'screenHeight', ${pick(['844', '1080', '1180'], 'h')}::INTEGER) AS dev,
    json_object('type', 'browser', 'browserDetails', json_object('name', ${pick(['Chrome', 'Safari', 'Firefox', 'Edge'], 'h // 7')}, 'version', (100 + h % 30)::VARCHAR),
      'operatingSystem', ${pick(['iOS', 'Android', 'Windows', 'macOS'], 'h // 11')}, 'language', 'en-US',
      'ipV4', '10.' || (h % 256) || '.' || (h // 256 % 256) || '.' || (p % 256)) AS env,
    json_object('webPageDetails', json_object('name', 'page-' || (h // 13 % 500), 'URL', 'https://shop.example.com/p/' || (h // 13 % 500),
        'siteSection', ${pick(['home', 'catalog', 'product', 'cart', 'checkout'], 'h // 17')}, 'pageViews', json_object('value', 1)),
      'webReferrer', json_object('type', ${pick(['search', 'social', 'direct', 'email'], 'h // 19')})) AS web,
    list_transform(range(1 + (h // 23 % 3)::INTEGER), j -> json_object('SKU', 'SKU-' || ((h // 29 + j * 7) % 5000), 'name', 'Product ' || ((h // 29 + j * 7) % 5000),
      'priceTotal', round(((h // 29 + j * 7) % 5000) / 37.0 + 5, 2), 'quantity', 1 + (h // 31 + j) % 3, 'currencyCode', 'USD')) AS items
  FROM b
)
SELECT 'ev-' || i, ts, '${GENERATED_BATCH}', 0, now(),
  CASE
    WHEN k < 55 THEN json_object('_id', 'ev-' || i, 'timestamp', iso, 'eventType', et, 'identityMap', idm, 'web', web, 'device', dev, 'environment', env)
    WHEN k < 93 THEN json_object('_id', 'ev-' || i, 'timestamp', iso, 'eventType', et, 'identityMap', idm, 'web', web, 'device', dev, 'environment', env,
      'commerce', CASE WHEN k < 85 THEN json_object('productViews', json_object('value', 1)) ELSE json_object('productListAdds', json_object('value', 1)) END,
      'productListItems', to_json(items[1:1]))
    ELSE json_object('_id', 'ev-' || i, 'timestamp', iso, 'eventType', et, 'identityMap', idm, 'web', web, 'device', dev, 'environment', env,
      'commerce', json_object('purchases', json_object('value', 1),
        'order', json_object('purchaseID', 'o-' || i, 'priceTotal', round(list_sum(list_transform(items, x -> (x->>'priceTotal')::DOUBLE)), 2), 'currencyCode', 'USD',
          'payments', json_array(json_object('paymentType', ${pick(['credit_card', 'paypal', 'gift_card'], 'h // 37')},
            'paymentAmount', round(list_sum(list_transform(items, x -> (x->>'priceTotal')::DOUBLE)), 2), 'currencyCode', 'USD')))),
      'productListItems', to_json(items))
  END
FROM e`;
}

/** INSERT of `people` profile records into `table`; `timestamp` as the lake gave the seeded profile record (`timestampSql`). */
export function profilesInsertSql(table: string, people: number, timestampSql: string): string {
  return `
INSERT INTO ${table}
WITH b AS (SELECT p, hash(p + 7777777) AS h FROM range(${people}) t(p))
SELECT 'pr-' || p, ${timestampSql}, '${GENERATED_BATCH}', 0, now(),
  json_object(
    '_id', 'pr-' || p,
    'identityMap', json_object(
      'Email', json_array(json_object('id', 'p' || p || '@example.com', 'primary', true)),
      'ECID', json_array(json_object('id', lpad((p * 7919 + 1000003)::VARCHAR, 38, '0')))),
    'person', json_object('name', json_object('firstName', 'First' || p, 'lastName', 'Last' || (h % 9973), 'fullName', 'First' || p || ' Last' || (h % 9973)),
      'birthDate', strftime(DATE '1950-01-01' + ((h % 18000)::INTEGER), '%Y-%m-%d'), 'gender', ${pick(['female', 'male', 'not_specified'], 'h // 3')}),
    'personalEmail', json_object('address', 'p' || p || '@example.com', 'primary', true, 'status', 'active'),
    'homeAddress', json_object('city', ${pick(['Paris', 'Lyon', 'Berlin', 'Madrid', 'Austin', 'Osaka'], 'h // 5')}, 'country', ${pick(['FR', 'FR', 'DE', 'ES', 'US', 'JP'], 'h // 5')}),
    'loyalty', json_object('program', 'Kith Rewards', 'tier', ${pick(['bronze', 'bronze', 'bronze', 'silver', 'silver', 'gold', 'platinum'], 'h // 7')},
      'points', (h // 11 % 20000)::INTEGER, 'status', 'active', 'joinDate', strftime(TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_days((h // 13 % 2000)::INTEGER), '%Y-%m-%dT%H:%M:%SZ')))
FROM b`;
}
