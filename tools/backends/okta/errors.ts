import { fail, type BackendResult } from '../types';

/** An Okta error body (`components.schemas.Error` in Okta's spec). */
export interface OktaErrorBody {
  errorCode?: string;
  errorSummary?: string;
  errorId?: string;
  errorCauses?: Array<{ errorSummary?: string }>;
}

/** What IT's logs get about a failed call: status, Okta's code and ids. Never the token, never a body with data. */
export function detailOf(status: number | string, body: OktaErrorBody | null, requestId: string | null): string {
  return [`HTTP ${status}`, body?.errorCode, body?.errorId && `errorId=${body.errorId}`, requestId && `X-Okta-Request-Id=${requestId}`].filter(Boolean).join(' ');
}

/**
 * An HTTP failure as a coded error in plain words. `notFound` says what was missing, for a 404 that
 * means the thing acted on does not exist ("Okta has no user 00u…").
 */
export function oktaFailure<T>(status: number, body: OktaErrorBody | null, requestId: string | null, notFound = 'Okta does not have what Sentinel asked for.'): BackendResult<T> {
  const detail = detailOf(status, body, requestId);
  if (status === 401) return fail('okta', 'forbidden', "Okta refused Sentinel's token: ask IT to check OKTA_API_TOKEN.", detail);
  if (status === 403) {
    // E0000038: the user's status does not allow it (suspended, deprovisioned…), not a permission problem.
    if (body?.errorCode === 'E0000038') return fail('okta', 'conflict', "Okta does not allow this for that account in its current status: ask IT to look at the account in Okta.", detail);
    return fail('okta', 'forbidden', "Okta did not let Sentinel do this: ask IT to give OKTA_API_TOKEN's admin the okta.users.manage and okta.groups.manage permissions.", detail);
  }
  if (status === 404) return fail('okta', 'not_found', notFound, detail);
  if (status === 429) return fail('okta', 'rate_limited', 'Okta is limiting how often Sentinel may call it right now: please try again in a minute.', detail);
  if (status === 400 || status === 409) return fail('okta', 'conflict', 'Okta refused the change: ask IT to check the account and group in Okta.', detail);
  return fail('okta', 'unavailable', 'Okta did not answer properly just now: please try again in a few minutes, or ask IT.', detail);
}

/** A request that never got an answer (network error, timeout). */
export function oktaUnreachable<T>(what: string): BackendResult<T> {
  return fail('okta', 'unavailable', 'Sentinel could not reach Okta just now: please try again in a few minutes, or ask IT to check OKTA_ORG_URL.', what);
}
