import { ok, type BackendResult } from '../types';
import { DEFAULT_HTTP, send, type HttpOptions, type HttpOutcome, type HttpRequest } from '../http';
import { tokenSource } from './token';

// Microsoft Graph calls with the app's token. A 401 (token revoked or expired early) drops the cached
// token and tries once more with a new one: Graph refused the call, so nothing happened.

export interface IntuneSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** GRAPH_API_URL, e.g. https://graph.microsoft.com/v1.0 */
  graphUrl: string;
  /** GRAPH_LOGIN_URL, e.g. https://login.microsoftonline.com */
  loginUrl: string;
  http?: Partial<Omit<HttpOptions, 'backend'>>;
  now?: () => number;
}

export type GraphCall = (method: HttpRequest['method'], path: string, body: unknown, retry: HttpRequest['retry'], what: string) => Promise<BackendResult<HttpOutcome>>;

export function graphClient(s: IntuneSettings): { call: GraphCall; http: HttpOptions } {
  const http: HttpOptions = { backend: 'intune', ...DEFAULT_HTTP, ...s.http };
  const base = s.graphUrl.replace(/\/+$/, '');
  const tokens = tokenSource(
    { loginUrl: s.loginUrl, tenantId: s.tenantId, clientId: s.clientId, clientSecret: s.clientSecret, resource: new URL(base).origin },
    http,
    s.now,
  );
  const call: GraphCall = async (method, path, body, retry, what) => {
    for (let n = 1; ; n++) {
      const token = await tokens.get();
      if (!token.ok) return token;
      const o = await send(http, {
        method,
        url: base + path,
        headers: { Authorization: `Bearer ${token.value}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        retry,
        what,
      });
      if (o.kind === 'response' && o.response.status === 401 && n === 1) {
        tokens.drop(token.value);
        continue;
      }
      return ok(o);
    }
  };
  return { call, http };
}
