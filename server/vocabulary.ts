// The server's vocabularies, defined once. Severities and categories are the agent's (agent/model.ts).

export const HOST_STATUSES = ['online', 'offline', 'silent'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

/** What a host's timeline records. */
export const EVENT_TYPES = [
  'first-report',
  'finding-new',
  'finding-reopened',
  'finding-resolved',
  'context-changed',
  'sequence-gap',
  'sequence-reset',
  'late-report',
  'agent-downgrade',
  'agent-upgrade',
  'unprivileged-scan',
  'bad-signature',
  'offline',
  'silent',
  'back-online',
  'enrolled',
  'key-revoked',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ALERT_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Alert rules of the core (liveness and tamper); laptop-farm rules come from server/farm. */
export const CORE_ALERT_RULES = [
  'agent-offline',
  'agent-silent',
  'sequence-gap',
  'bad-signature',
  'agent-downgrade',
  'unprivileged-scan',
] as const;

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const REPORT_SCHEMAS = { 'ratwatch.report/1': 1, 'ratwatch.report/2': 2 } as const;
export const FINDING_STATES = ['running', 'listening', 'installed', 'configured'] as const;

/** Offline after this many missed reporting intervals; silent after SILENT_AFTER_MS whatever the interval. */
export const OFFLINE_MISSED_INTERVALS = 3;
export const SILENT_AFTER_MS = 24 * 3600_000;
