import { err, ok, type Result } from '../../shared/result.js';
import { SQLSTATE, type SqlError } from './query-engine.js';

/**
 * A session's settings, kept by the engine (DuckDB's own configuration is locked on the lake instance): the
 * PostgreSQL parameters clients set and show on connect, AEP's `auto_to_json`, and `statement_timeout` (honoured).
 * Unknown names are accepted and remembered: clients send odd ones and a BI tool must not fail on connect.
 */

/** Canonical spelling (as SHOW names its column and ParameterStatus reports it) and default, by lowercase name. */
const KNOWN: Record<string, [string, string]> = {
  application_name: ['application_name', ''],
  auto_to_json: ['auto_to_json', 'false'],
  client_encoding: ['client_encoding', 'UTF8'],
  client_min_messages: ['client_min_messages', 'notice'],
  datestyle: ['DateStyle', 'ISO, MDY'],
  default_transaction_isolation: ['default_transaction_isolation', 'read committed'],
  default_transaction_read_only: ['default_transaction_read_only', 'off'],
  extra_float_digits: ['extra_float_digits', '1'],
  in_hot_standby: ['in_hot_standby', 'off'],
  integer_datetimes: ['integer_datetimes', 'on'],
  intervalstyle: ['IntervalStyle', 'postgres'],
  is_superuser: ['is_superuser', 'off'],
  lc_messages: ['lc_messages', 'C'],
  max_identifier_length: ['max_identifier_length', '63'],
  search_path: ['search_path', 'public'],
  server_encoding: ['server_encoding', 'UTF8'],
  server_version: ['server_version', '13.0'],
  server_version_num: ['server_version_num', '130000'],
  standard_conforming_strings: ['standard_conforming_strings', 'on'],
  statement_timeout: ['statement_timeout', '0'],
  timezone: ['TimeZone', 'UTC'],
  transaction_isolation: ['transaction_isolation', 'read committed'],
  transaction_read_only: ['transaction_read_only', 'off'],
};

/** Parameters PostgreSQL reports with ParameterStatus when they change. */
const REPORTED = new Set(['application_name', 'client_encoding', 'datestyle', 'intervalstyle', 'timezone', 'standard_conforming_strings', 'is_superuser', 'integer_datetimes', 'server_encoding', 'server_version', 'default_transaction_read_only', 'in_hot_standby', 'search_path']);
/** What `search_path` may name: the sandbox's one visible schema (`public`) and the catalog. */
const SEARCH_PATH_OK = new Set(['public', '$user', 'pg_catalog', '']);
const UTF8 = new Set(['utf8', 'utf-8', 'unicode', 'sql_ascii']);

const badValue = (name: string, value: string): SqlError => ({ code: SQLSTATE.invalidParameterValue, message: `invalid value for parameter "${name}": "${value}"` });

export function parseBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['on', 'true', 'yes', '1', 't', 'y'].includes(s)) return true;
  if (['off', 'false', 'no', '0', 'f', 'n'].includes(s)) return false;
  return undefined;
}

/** `statement_timeout` in ms: a bare number is ms; units ms, s, min, h, d (PostgreSQL's). */
export function parseTimeoutMs(v: string): number | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

export class SessionSettings {
  private readonly values = new Map<string, { name: string; value: string }>();

  /** `serverOwned`: DuckDB's own setting names, refused unless they are also a PostgreSQL session parameter. */
  constructor(private readonly serverOwned: ReadonlySet<string> = new Set()) {}
  autoToJson = false;
  /** 0: none (the engine's own limit still applies). */
  statementTimeoutMs = 0;

  /** SET name = value (value null: RESET / SET … TO DEFAULT; name 'all' with null: RESET ALL). */
  set(name: string, value: string | null): Result<Array<[string, string]>, SqlError> {
    const key = name.toLowerCase();
    if (key === 'all' && value === null) {
      const changed = [...this.values.keys()].filter((k) => REPORTED.has(k));
      this.values.clear();
      this.autoToJson = false;
      this.statementTimeoutMs = 0;
      return ok(changed.map((k) => [KNOWN[k]![0], KNOWN[k]![1]]));
    }
    // remembering `SET memory_limit = …` as if it worked would mislead: the server's settings are not the session's
    if (this.serverOwned.has(key) && !KNOWN[key]) return err({ code: SQLSTATE.insufficientPrivilege, message: `permission denied to set parameter "${name}"` });
    const display = KNOWN[key]?.[0] ?? name;
    const v = value ?? KNOWN[key]?.[1] ?? '';
    switch (key) {
      case 'auto_to_json': {
        const b = parseBool(v);
        if (b === undefined) return err(badValue(display, v));
        this.autoToJson = b;
        break;
      }
      case 'statement_timeout': {
        const ms = parseTimeoutMs(v);
        if (ms === undefined) return err(badValue(display, v));
        this.statementTimeoutMs = ms;
        break;
      }
      case 'search_path': {
        const items = v.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1').toLowerCase());
        if (!items.every((s) => SEARCH_PATH_OK.has(s)))
          return err({ code: SQLSTATE.insufficientPrivilege, message: `search_path can only name the sandbox's schema "public" (got "${v}")` });
        break;
      }
      case 'client_encoding':
        if (!UTF8.has(v.trim().toLowerCase())) return err({ code: SQLSTATE.featureNotSupported, message: `client_encoding ${v} is not supported: the Query Service speaks UTF8` });
        break;
      case 'server_version':
      case 'server_version_num':
      case 'server_encoding':
      case 'is_superuser':
      case 'integer_datetimes':
      case 'in_hot_standby':
      case 'max_identifier_length':
        if (value !== null) return err({ code: '55P02', message: `parameter "${display}" cannot be changed` });
        break;
    }
    const stored = key === 'client_encoding' ? 'UTF8' : v;
    if (value === null) this.values.delete(key);
    else this.values.set(key, { name: display, value: stored });
    return ok(REPORTED.has(key) ? [[display, stored]] : []);
  }

  /** SHOW name: [column name, value]; 42704 for a name never set and not known. */
  show(name: string): Result<[string, string], SqlError> {
    const key = name.toLowerCase();
    const set = this.values.get(key);
    if (set) return ok([KNOWN[key]?.[0] ?? set.name, set.value]);
    const known = KNOWN[key];
    if (known) return ok(known);
    return err({ code: '42704', message: `unrecognized configuration parameter "${name}"` });
  }

  /** SHOW ALL: (name, setting, description) rows. */
  all(): Array<[string, string, string]> {
    const names = new Set([...Object.keys(KNOWN), ...this.values.keys()]);
    return [...names].sort().map((k) => {
      const [n, v] = this.show(k).ok ? (this.show(k) as { value: [string, string] }).value : [k, ''];
      return [n, v, ''];
    });
  }
}
