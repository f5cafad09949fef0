import { ConfigError, loadConfig } from '../../config';
import { createLogger } from '../../apps/logger';
import { runEntry } from '../support/processes';

// Backend selection in configuration: exact variable names, defaults, and a stop naming what is wrong.

const load = (env: Record<string, string>) => loadConfig(env as NodeJS.ProcessEnv);
const problem = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a configuration error');
};

test('nothing set: every backend is the embedded one', () => {
  expect(load({}).backends).toEqual({ identity: { kind: 'embedded' }, tickets: { kind: 'embedded' }, mdm: { kind: 'embedded' } });
});

test('Okta: org URL (loopback allowed) and token; admin group and access template default', () => {
  const c = load({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: 'http://127.0.0.1:4567/', OKTA_API_TOKEN: '00abcSECRET' });
  expect(c.backends.identity).toEqual({ kind: 'okta', orgUrl: 'http://127.0.0.1:4567', apiToken: '00abcSECRET', adminGroup: 'sentinel-admins', accessGroup: 'sentinel-{system}-{level}' });
  expect(load({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 't', OKTA_ADMIN_GROUP: 'IT Admins', OKTA_ACCESS_GROUP: 'app-{system}-{level}' }).backends.identity).toMatchObject({ adminGroup: 'IT Admins', accessGroup: 'app-{system}-{level}' });
});

test('Okta selected without its settings: every missing variable is named', () => {
  const msg = problem({ SENTINEL_IDENTITY: 'okta' });
  expect(msg).toMatch(/OKTA_ORG_URL: required when SENTINEL_IDENTITY=okta/);
  expect(msg).toMatch(/OKTA_API_TOKEN: required when SENTINEL_IDENTITY=okta/);
  expect(problem({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: 'acme.okta.com', OKTA_API_TOKEN: 't' })).toMatch(/OKTA_ORG_URL: /);
  expect(problem({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: 'ftp://acme.okta.com', OKTA_API_TOKEN: 't' })).toMatch(/OKTA_ORG_URL: must be an http/);
  expect(problem({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: 'https://a.okta.com', OKTA_API_TOKEN: 't', OKTA_ACCESS_GROUP: 'sentinel-{system}' })).toMatch(/OKTA_ACCESS_GROUP: must contain \{system\} and \{level\}/);
  expect(problem({ SENTINEL_IDENTITY: 'ldap' })).toMatch(/SENTINEL_IDENTITY: /);
  // Okta's settings alone select nothing.
  expect(load({ OKTA_ORG_URL: 'https://a.okta.com' }).backends.identity).toEqual({ kind: 'embedded' });
});

test('Jira and Intune: their variables, defaults and checks', () => {
  expect(load({ SENTINEL_TICKETS: 'jira', JIRA_BASE_URL: 'https://acme.atlassian.net', JIRA_EMAIL: 'bot@acme.com', JIRA_API_TOKEN: 'j', JIRA_PROJECT_KEY: 'IT' }).backends.tickets).toEqual({
    kind: 'jira',
    baseUrl: 'https://acme.atlassian.net',
    email: 'bot@acme.com',
    apiToken: 'j',
    projectKey: 'IT',
    issueType: 'Task',
  });
  expect(load({ SENTINEL_TICKETS: 'jira', JIRA_BASE_URL: 'https://a.atlassian.net', JIRA_EMAIL: 'b@a.com', JIRA_API_TOKEN: 'j', JIRA_PROJECT_KEY: 'IT', JIRA_ISSUE_TYPE: ' IT Help ' }).backends.tickets).toMatchObject({ issueType: 'IT Help' });
  const jira = problem({ SENTINEL_TICKETS: 'jira' });
  for (const v of ['JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_PROJECT_KEY']) expect(jira).toMatch(new RegExp(`${v}: required when SENTINEL_TICKETS=jira`));
  expect(problem({ SENTINEL_TICKETS: 'jira', JIRA_BASE_URL: 'https://a.atlassian.net', JIRA_EMAIL: 'b@a.com', JIRA_API_TOKEN: 'j', JIRA_PROJECT_KEY: 'it-desk' })).toMatch(/JIRA_PROJECT_KEY: a Jira project key/);
  expect(load({ SENTINEL_MDM: 'intune', INTUNE_TENANT_ID: 'tid', INTUNE_CLIENT_ID: 'cid', INTUNE_CLIENT_SECRET: 's' }).backends.mdm).toEqual({
    kind: 'intune',
    tenantId: 'tid',
    clientId: 'cid',
    clientSecret: 's',
    graphApiUrl: 'https://graph.microsoft.com/v1.0',
    graphLoginUrl: 'https://login.microsoftonline.com',
  });
  expect(load({ SENTINEL_MDM: 'intune', INTUNE_TENANT_ID: 't', INTUNE_CLIENT_ID: 'c', INTUNE_CLIENT_SECRET: 's', GRAPH_API_URL: 'http://127.0.0.1:9/v1.0', GRAPH_LOGIN_URL: 'http://127.0.0.1:9' }).backends.mdm).toMatchObject({
    graphApiUrl: 'http://127.0.0.1:9/v1.0',
    graphLoginUrl: 'http://127.0.0.1:9',
  });
  const intune = problem({ SENTINEL_MDM: 'intune' });
  for (const v of ['INTUNE_TENANT_ID', 'INTUNE_CLIENT_ID', 'INTUNE_CLIENT_SECRET']) expect(intune).toMatch(new RegExp(`${v}: required when SENTINEL_MDM=intune`));
});

test('the CLI stops with exit 2 naming the variable, and never prints a secret', () => {
  const r = runEntry('apps/cli/main.ts', ['--as', 'alice', 'hi'], { SENTINEL_IDENTITY: 'okta', OKTA_API_TOKEN: '00tokenValueThatMustNotShow', SENTINEL_MDM: 'intune', INTUNE_TENANT_ID: 't', INTUNE_CLIENT_ID: 'c', INTUNE_CLIENT_SECRET: 'clientSecretValue42' });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/OKTA_ORG_URL: required when SENTINEL_IDENTITY=okta/);
  expect(r.stdout + r.stderr).not.toMatch(/00tokenValueThatMustNotShow|clientSecretValue42/);
});

test('log lines never carry the backends’ secrets', () => {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
  logger.info({ env: { OKTA_API_TOKEN: 'oktaSecret1', JIRA_API_TOKEN: 'jiraSecret2', INTUNE_CLIENT_SECRET: 'intuneSecret3' }, okta: { apiToken: 'oktaSecret1' }, graph: { clientSecret: 'intuneSecret3' } }, 'settings');
  logger.warn('a pasted header: Authorization: SSWS 00abcdefghijklmnopqrstuvwxyz and Basic Ym90QGFjbWUuY29tOmppcmFUb2tlbg==');
  const out = lines.join('\n');
  expect(out).not.toMatch(/oktaSecret1|jiraSecret2|intuneSecret3|00abcdefghijklmnopqrstuvwxyz|Ym90QGFjbWUuY29tOmppcmFUb2tlbg/);
  expect(out).toMatch(/SSWS \[redacted\]/);
});
