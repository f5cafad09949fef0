export { jiraTickets } from './tickets';
export type { JiraSettings } from './client';
