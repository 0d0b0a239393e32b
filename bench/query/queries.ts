/**
 * The three statements of the Query Service benchmark (issue #19), as a user writes them: datasets addressed by their
 * table name (`adobe/pqs/table`), nested XDM objects with dots, identityMap by namespace. The same text runs through
 * the wire endpoint and, as the baseline, in-process DuckDB on the same lake file (search_path on the typed tables).
 */
export interface BenchQueries {
  /** (a) events per type per day. */
  perTypePerDay: string;
  /** (b) purchases joined to the profile table (revenue by loyalty tier, joined on the Email identity). */
  purchasesByTier: string;
  /** (c) 1,000,000 rows of nested fields streamed to the client. */
  stream: string;
}

export const STREAM_ROWS = 1_000_000;

export function benchQueries(events: string, profiles: string, streamRows = STREAM_ROWS): BenchQueries {
  return {
    perTypePerDay: `SELECT eventType, date_trunc('day', timestamp) AS day, count(*) AS events FROM ${events} GROUP BY eventType, date_trunc('day', timestamp) ORDER BY day, eventType`,
    purchasesByTier:
      `SELECT p.loyalty.tier AS tier, count(*) AS purchases, round(sum(e.commerce."order".priceTotal), 2) AS revenue ` +
      `FROM ${events} e JOIN ${profiles} p ON p.personalEmail.address = e.identityMap['Email'][1].id ` +
      `WHERE e.eventType = 'commerce.purchases' GROUP BY p.loyalty.tier ORDER BY revenue DESC`,
    stream:
      `SELECT _id, timestamp, eventType, identityMap['ECID'][1].id AS ecid, web.webPageDetails.name AS page, device.type AS device, ` +
      `commerce."order".priceTotal AS total FROM ${events} LIMIT ${streamRows}`,
  };
}
