import { codedFailure, type HttpResponse } from '../http';
import { fail, type BackendResult } from '../types';

/** An Okta error body (`components.schemas.Error` in Okta's spec). */
export interface OktaErrorBody {
  errorCode?: string;
  errorSummary?: string;
  errorId?: string;
  errorCauses?: Array<{ errorSummary?: string }>;
}

/** Okta's error body from an answer, when it has one. */
export const oktaErrorBody = (r: Pick<HttpResponse, 'body'>): OktaErrorBody | null => (r.body && typeof r.body === 'object' ? (r.body as OktaErrorBody) : null);

/** What IT's logs get about a failed call: status, Okta's code and ids. Never the token, never a body with data. */
export function detailOf(status: number | string, body: OktaErrorBody | null, requestId: string | null): string {
  return [`HTTP ${status}`, body?.errorCode, body?.errorId && `errorId=${body.errorId}`, requestId && `X-Okta-Request-Id=${requestId}`].filter(Boolean).join(' ');
}

/** `detailOf` for an answer. */
export const oktaDetail = (r: HttpResponse): string => detailOf(r.status, oktaErrorBody(r), r.headers.get('x-okta-request-id'));

const UNREACHABLE = 'Sentinel could not reach Okta just now: please try again in a few minutes, or ask IT to check OKTA_ORG_URL.';
const FAILING = 'Okta did not answer properly just now: please try again in a few minutes, or ask IT.';

/**
 * An HTTP failure as a coded error in plain words. `notFound` says what was missing, for a 404 that
 * means the thing acted on does not exist ("Okta has no user 00u…").
 */
export function oktaFailure<T>(response: HttpResponse, notFound = 'Okta does not have what Sentinel asked for.'): BackendResult<T> {
  // E0000038: the user's status does not allow it (suspended, deprovisioned…), not a permission problem.
  if (response.status === 403 && oktaErrorBody(response)?.errorCode === 'E0000038') {
    return fail('okta', 'conflict', 'Okta does not allow this for that account in its current status: ask IT to look at the account in Okta.', oktaDetail(response));
  }
  return codedFailure(
    { kind: 'response', response },
    {
      backend: 'okta',
      timeout: UNREACHABLE,
      network: UNREACHABLE,
      unauthorized: "Okta refused Sentinel's token: ask IT to check OKTA_API_TOKEN.",
      forbidden: "Okta did not let Sentinel do this: ask IT to give OKTA_API_TOKEN's admin the okta.users.manage and okta.groups.manage permissions.",
      notFound,
      rateLimited: 'Okta is limiting how often Sentinel may call it right now: please try again in a minute.',
      failing: FAILING,
      refused: 'Okta refused the change: ask IT to check the account and group in Okta.',
      unexpected: () => FAILING,
      detail: oktaDetail,
    },
  );
}

/** A request that never got an answer (network error, timeout), or one Sentinel would not send. */
export function oktaUnreachable<T>(what: string): BackendResult<T> {
  return fail('okta', 'unavailable', UNREACHABLE, what);
}
