import { ok, type BackendResult } from '../types';
import { logged, send, type HttpOptions } from '../http';
import { tokenFailure } from './errors';

// The app-only access token: the OAuth 2.0 client-credentials grant at the Microsoft identity
// platform (`{GRAPH_LOGIN_URL}/{tenant}/oauth2/v2.0/token`, scope `{graph origin}/.default`), cached
// until shortly before it expires, one request at a time however many callers need it. Neither the
// secret nor the token ever reaches a log line.

export interface TokenSettings {
  loginUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The Graph resource, e.g. https://graph.microsoft.com (the token's audience). */
  resource: string;
}

export interface TokenSource {
  get(): Promise<BackendResult<string>>;
  /** Forget the cached token (Graph said it is no longer good). */
  drop(token: string): void;
}

export function tokenSource(s: TokenSettings, http: HttpOptions, now: () => number = Date.now): TokenSource {
  let cached: { token: string; refreshAt: number } | null = null;
  let pending: Promise<BackendResult<string>> | null = null;
  const url = `${s.loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;

  async function fetchToken(): Promise<BackendResult<string>> {
    const started = now();
    const o = await send(http, {
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ client_id: s.clientId, client_secret: s.clientSecret, scope: `${s.resource}/.default`, grant_type: 'client_credentials' }).toString(),
      // Asking for a token changes nothing: safe to repeat.
      retry: 'read',
      what: 'sign-in (client credentials)',
    });
    if (o.kind !== 'response' || o.response.status !== 200) return logged(tokenFailure(o), http.logger, 'sign-in');
    const b = (o.response.body ?? {}) as { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    if (typeof b.access_token !== 'string' || !b.access_token) return logged(tokenFailure({ kind: 'response', response: { ...o.response, status: 502 } }), http.logger, 'sign-in');
    const lifetimeS = Number(b.expires_in) > 0 ? Number(b.expires_in) : 300;
    // Renew five minutes early (a tenth of the lifetime for short-lived tokens).
    const marginS = Math.min(300, lifetimeS / 10);
    cached = { token: b.access_token, refreshAt: started + (lifetimeS - marginS) * 1000 };
    return ok(b.access_token);
  }

  return {
    get() {
      if (cached && now() < cached.refreshAt) return Promise.resolve(ok(cached.token));
      pending ??= fetchToken().finally(() => (pending = null));
      return pending;
    },
    drop(token) {
      if (cached?.token === token) cached = null;
    },
  };
}
