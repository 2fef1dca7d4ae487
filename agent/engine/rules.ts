import type { Category, Finding, Severity } from '../model.ts';

// Engine-wide judgements that are not about any one tool, kept apart from the matching code so they
// can be reviewed as a list.

/** Longest evidence value a finding carries; inventory strings come from the inspected host and may be huge. */
export const EVIDENCE_MAX = 512;

/** Default severity of a finding by tool category; a company policy can override it. */
export const DEFAULT_SEVERITY: Record<Category, Severity> = {
  'ip-kvm': 'critical', // hardware that drives the laptop from elsewhere: no legitimate use on a company laptop
  'remote-desktop': 'high',
  rmm: 'high',
  'remote-shell': 'high',
  tunnel: 'high', // exposes the laptop to the internet past the corporate network
  'mesh-vpn': 'medium',
  vpn: 'medium', // geo-evasion: hides where the worker really is
  'builtin-remote': 'medium',
  // outgoing clients, file-sync and other tools that give nobody access to this laptop by themselves:
  // listed for the record, not counted as findings unless a policy raises them
  signal: 'info',
};

/** MITRE ATT&CK techniques a category stands for. */
export const TECHNIQUES: Record<Category, string[]> = {
  'remote-desktop': ['T1219'], // Remote Access Software
  rmm: ['T1219'],
  'remote-shell': ['T1219'],
  'ip-kvm': ['T1219', 'T1200'], // Hardware Additions
  tunnel: ['T1219', 'T1572'], // Protocol Tunneling
  'mesh-vpn': ['T1219', 'T1572'],
  vpn: ['T1090'], // Proxy
  'builtin-remote': ['T1219', 'T1133', 'T1021'], // External Remote Services, Remote Services
  signal: ['T1219'],
};

/**
 * Signers and Apple Team IDs of vendors that sign many unrelated products: a Chrome binary is signed like
 * Chrome Remote Desktop and Teams like Quick Assist, so these only corroborate a match made otherwise.
 */
export const BROAD_SIGNERS = [
  'microsoft',
  'apple inc',
  'google',
  'amazon',
  'mozilla',
  'adobe',
  'oracle',
  'cisco',
  'zoom video',
  'connectwise', // signs both ScreenConnect and Automate: the signer alone cannot tell which one runs
];
export const BROAD_TEAM_IDS = new Set([
  'EQHXZ8M8AV', // Google LLC
  'UBF8T346G9', // Microsoft Corporation
  'BJ4HAAB9B3', // Zoom Video Communications
]);

/** A finding that counts: it sets exit code 1 and appears in MDM summaries. "info" ones are listed only. */
export function isActive(f: Finding): boolean {
  return f.status === 'finding' && f.severity !== 'info';
}

/**
 * Remote access built into the operating system ships with it: its binaries, services and scheduled tasks
 * (RAServer.exe's RemoteAssistanceTask, gnome-remote-desktop's unit) are on every machine. For these tools
 * a package, a service or a process found only by its install folder corroborates; a running process by
 * name, a setting switched on or a banner proves it (agent/engine/detect.ts presenceOnly).
 */
export const SHIPS_WITH_OS: ReadonlySet<Category> = new Set(['builtin-remote']);
