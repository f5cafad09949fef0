import { DirectoryFileSchema, type DirectoryFile } from './directory-file';

/** Demo data seeded on first run when no directory file is configured. */
export const demoDirectory: DirectoryFile = DirectoryFileSchema.parse({
  users: [
    { id: 'intern', email: 'intern@example.com', name: 'Ivy Intern', role: 'employee' },
    { id: 'alice', email: 'alice@example.com', name: 'Alice Anders', role: 'employee', groups: ['sales'] },
    { id: 'cto', email: 'cto@example.com', name: 'Casey Tran (CTO)', role: 'admin', groups: ['security', 'it'] },
    { id: 'sam', email: 'sam@example.com', name: 'Sam Okafor (IT)', role: 'admin', groups: ['it'] },
    { id: 'guest', email: 'guest@example.com', name: 'Gus Guest', role: 'guest' },
  ],
  devices: [
    { id: 'LAPTOP-INTERN-01', owner: 'intern', model: 'MacBook Air M2', osVersion: 'macOS 14.2', diskFreeGb: 9, diskTotalGb: 256, batteryHealthPct: 71, lastCheckinHoursAgo: 2, encrypted: true, firewall: false },
    { id: 'LAPTOP-ALICE-01', owner: 'alice', model: 'ThinkPad X1 Carbon', osVersion: 'Windows 11 23H2', diskFreeGb: 182, diskTotalGb: 512, batteryHealthPct: 93, lastCheckinHoursAgo: 1 },
    { id: 'LAPTOP-CTO-01', owner: 'cto', model: 'MacBook Pro M3', osVersion: 'macOS 15.1', diskFreeGb: 640, diskTotalGb: 1024, batteryHealthPct: 98, lastCheckinHoursAgo: 0.5 },
    { id: 'LAPTOP-SAM-01', owner: 'sam', model: 'Dell XPS 13', osVersion: 'Ubuntu 24.04', diskFreeGb: 300, diskTotalGb: 512, batteryHealthPct: 88, lastCheckinHoursAgo: 30 },
  ],
  systems: [
    { id: 'github', description: 'Source code hosting' },
    { id: 'vpn', description: 'Corporate VPN' },
    { id: 'aws-prod', description: 'Production AWS account' },
    { id: 'salesforce', description: 'CRM' },
  ],
  tickets: [
    { number: 1041, requester: 'intern', summary: 'Second monitor flickers', priority: 'low', status: 'in_progress', assignee: 'sam' },
    { number: 1042, requester: 'alice', summary: 'VPN drops every hour', priority: 'medium', status: 'open' },
  ],
});
