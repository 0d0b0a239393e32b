import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeShopifyOptions {
  clientId: string;
  clientSecret: string;
  /** Codes the token endpoint accepts. */
  codes: Record<string, { accessToken: string; scope: string }>;
  accessToken: string;
  /** Raw JSON texts (so big ids stay exact on the wire) of orders/customers, each with an `updated_at`. */
  orders?: string[];
  customers?: string[];
  pageSize?: number;
}

/**
 * A local fake of the Shopify Admin API (OAuth token exchange, webhooks.json, orders.json, customers.json with
 * `Link` header paging by `page_info`). Listens on 127.0.0.1:0; records every request.
 */
export class FakeShopifyAdmin {
  readonly requests: RecordedRequest[] = [];
  readonly webhooks: Array<{ id: string; topic: string; address: string; format: string }> = [];
  private server: Server | undefined;
  baseUrl = '';
  private nextWebhookId = 9191138715786000n; // > 2^53, like real webhook ids can be

  constructor(private readonly opts: FakeShopifyOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        const send = (status: number, text: string, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(text);
        };
        if (url.pathname === '/admin/oauth/access_token' && req.method === 'POST') {
          let p: Record<string, string> = {};
          try {
            p = JSON.parse(body) as Record<string, string>;
          } catch {
            return send(400, '{"error":"invalid_request"}');
          }
          const grant = this.opts.codes[p.code ?? ''];
          if (p.client_id !== this.opts.clientId || p.client_secret !== this.opts.clientSecret || !grant) return send(400, '{"error":"invalid_request","error_description":"The authorization code was not found or was already used"}');
          delete this.opts.codes[p.code!]; // single use
          return send(200, JSON.stringify({ access_token: grant.accessToken, scope: grant.scope }));
        }
        const m = /^\/admin\/api\/([^/]+)\/(webhooks|orders|customers)\.json$/.exec(url.pathname);
        if (!m) return send(404, '{"errors":"Not Found"}');
        if (req.headers['x-shopify-access-token'] !== this.opts.accessToken) return send(401, '{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}');
        const kind = m[2]!;
        if (kind === 'webhooks' && req.method === 'POST') {
          const w = (JSON.parse(body) as { webhook: { topic: string; address: string; format: string } }).webhook;
          if (this.webhooks.some((x) => x.topic === w.topic && x.address === w.address)) return send(422, '{"errors":{"address":["for this topic has already been taken"]}}');
          const id = (this.nextWebhookId++).toString();
          this.webhooks.push({ id, ...w });
          return send(201, `{"webhook":{"id":${id},"address":${JSON.stringify(w.address)},"topic":${JSON.stringify(w.topic)},"format":"json","api_version":"${m[1]}"}}`);
        }
        if (kind === 'webhooks') return send(200, `{"webhooks":[${this.webhooks.map((w) => `{"id":${w.id},"topic":"${w.topic}","address":${JSON.stringify(w.address)},"format":"json"}`).join(',')}]}`);
        const all = (kind === 'orders' ? this.opts.orders : this.opts.customers) ?? [];
        // Like Shopify, page_info is opaque and carries the filters; the next URL has only limit + page_info.
        const cursor = url.searchParams.get('page_info');
        const state = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { page: number; min: string }) : { page: 0, min: url.searchParams.get('updated_at_min') ?? '1970-01-01T00:00:00Z' };
        const min = Date.parse(state.min);
        const matching = all.filter((t) => Date.parse((JSON.parse(t) as { updated_at: string }).updated_at) >= min);
        const size = this.opts.pageSize ?? Number(url.searchParams.get('limit') ?? 50);
        const page = state.page;
        const slice = matching.slice(page * size, page * size + size);
        const headers: Record<string, string> = {};
        if ((page + 1) * size < matching.length) {
          const next = new URL(`${this.baseUrl}${url.pathname}`);
          next.searchParams.set('limit', String(size));
          next.searchParams.set('page_info', Buffer.from(JSON.stringify({ page: page + 1, min: state.min })).toString('base64url'));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return send(200, `{"${kind}":[${slice.join(',')}]}`, headers);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
