import { codedFailure, type HttpOutcome } from '../http';
import { fail, type BackendResult } from '../types';

// Microsoft's answers as Sentinel's coded errors, in words a requester can read and IT can act on.
// The vendor's code, text and request id go only into `detail` (IT's logs).

export const BACKEND = 'intune';

/** Graph's `{error: {code, message, innerError: {request-id}}}` as one line. */
export function graphErrorText(body: unknown): string {
  const e = (body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
  if (!e || typeof e !== 'object') return typeof body === 'string' ? body.slice(0, 300) : '';
  const id = e.innerError?.['request-id'];
  return [e.code, e.message, typeof id === 'string' ? `request-id ${id}` : null].filter((x) => typeof x === 'string' && x).join(': ').replace(/\s+/g, ' ').slice(0, 300);
}

/** A failed Graph call. `doing` completes "Intune does not let Sentinel …" ("read devices"). */
export function graphFailure<T>(o: HttpOutcome, doing: string, permission: string): BackendResult<T> {
  return codedFailure(o, {
    backend: BACKEND,
    timeout: 'Intune did not answer in time: try again in a few minutes, or ask IT.',
    network: 'Sentinel could not reach Microsoft Graph: try again later, or ask IT to check GRAPH_API_URL.',
    unauthorized: "Microsoft Graph refused Sentinel's token: ask IT to check INTUNE_TENANT_ID, INTUNE_CLIENT_ID and INTUNE_CLIENT_SECRET.",
    forbidden: `Intune does not let Sentinel ${doing}: ask IT to grant the app ${permission} (application permission, with admin consent).`,
    notFound: 'Intune has no such device.',
    rateLimited: 'Intune is limiting how often Sentinel may call it: try again in a few minutes.',
    failing: 'Intune is having problems right now: try again later, or ask IT.',
    refused: "Intune refused what Sentinel sent: ask IT (details in Sentinel's log).",
    refusedStatuses: [400],
    unexpected: (status) => `Intune answered with an unexpected error (HTTP ${status}): ask IT.`,
    detail: graphDetail,
  });
}

/** Status and Graph's error code, text and request id, for IT's logs. */
export const graphDetail = ({ status, body }: { status: number; body: unknown }) => `HTTP ${status}${graphErrorText(body) ? `: ${graphErrorText(body)}` : ''}`;

/** The token endpoint's OAuth error (`{error, error_description: "AADSTS…", error_codes}`), in plain words. */
export function tokenFailure<T>(o: HttpOutcome): BackendResult<T> {
  if (o.kind === 'timeout') return fail(BACKEND, 'unavailable', 'Microsoft sign-in did not answer in time: try again in a few minutes, or ask IT.', 'token: timeout');
  if (o.kind === 'network') return fail(BACKEND, 'unavailable', 'Sentinel could not reach Microsoft sign-in: try again later, or ask IT to check GRAPH_LOGIN_URL.', `token: ${o.cause}`);
  const { status, body } = o.response;
  const b = (body ?? {}) as { error?: unknown; error_codes?: unknown; error_description?: unknown };
  const codes = Array.isArray(b.error_codes) ? (b.error_codes as unknown[]).map(Number) : [];
  // The description carries trace ids, never the secret; keep only its first sentence for the log.
  const text = typeof b.error_description === 'string' ? b.error_description.split(/\r?\n| Trace ID:/)[0] : '';
  const detail = `token: HTTP ${status} ${typeof b.error === 'string' ? b.error : ''} ${text}`.trim().slice(0, 300);
  if (status === 429) return fail(BACKEND, 'rate_limited', 'Microsoft sign-in is limiting how often Sentinel may sign in: try again in a few minutes.', detail);
  if (status >= 500) return fail(BACKEND, 'unavailable', 'Microsoft sign-in is having problems right now: try again later, or ask IT.', detail);
  if (codes.includes(7000215) || codes.includes(7000222) || codes.includes(7000218)) {
    return fail(BACKEND, 'forbidden', "Microsoft refused Sentinel's client secret: ask IT to check INTUNE_CLIENT_SECRET (it may have expired).", detail);
  }
  if (codes.includes(700016)) return fail(BACKEND, 'forbidden', "Microsoft does not know Sentinel's app in this tenant: ask IT to check INTUNE_CLIENT_ID and INTUNE_TENANT_ID.", detail);
  if (codes.includes(90002) || codes.includes(90023)) return fail(BACKEND, 'forbidden', 'Microsoft does not know the tenant Sentinel signs in to: ask IT to check INTUNE_TENANT_ID.', detail);
  return fail(BACKEND, 'forbidden', "Microsoft refused Sentinel's sign-in: ask IT to check INTUNE_TENANT_ID, INTUNE_CLIENT_ID and INTUNE_CLIENT_SECRET.", detail);
}
