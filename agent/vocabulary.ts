// The words every part of ratwatch shares, each defined once: the model's types are derived from these
// lists, and the policy parser, the catalog schema, the encoders and the CLI import them from here.

import { clean } from './text.ts';

export const CATEGORIES = [
  'remote-desktop', // AnyDesk, TeamViewer, VNC, RDP clients/servers...
  'rmm', // remote monitoring and management suites
  'remote-shell', // web terminals, tmate, shellinabox
  'tunnel', // ngrok, cloudflared, frp, chisel
  'mesh-vpn', // Tailscale, ZeroTier
  'vpn', // consumer VPN clients (geo-evasion)
  'ip-kvm', // PiKVM, TinyPilot, JetKVM, NanoKVM hardware
  'builtin-remote', // RDP, Remote Assistance, Screen Sharing, sshd switched on
  'signal', // weak host signals (several pointing devices, several remote tools)
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_STATUSES = ['finding', 'allowed', 'suppressed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/**
 * How a finding's tool stands on the host, strongest first: a process of it runs; a socket of it listens
 * (or answers with its banner) with no process seen; a setting switches it on; it is only installed
 * (package, service or autostart not running, device plugged in).
 */
export const FINDING_STATES = ['running', 'listening', 'configured', 'installed'] as const;
export type FindingState = (typeof FINDING_STATES)[number];

/** strong: names the tool by itself; corroborating: supports a match made otherwise. */
export const STRENGTHS = ['strong', 'corroborating'] as const;
export type Strength = (typeof STRENGTHS)[number];

export const SCAN_SCHEMA = 'ratwatch.scan/2';
export const REPORT_SCHEMA = 'ratwatch.report/2';

/** Process exit codes of every ratwatch command (README "Exit codes"). */
export const EXIT = {
  clean: 0,
  findings: 1, // scan: active findings
  badInput: 2, // bad flag, file, policy or config
  pending: 3, // flush: some reports still wait
  internal: 70, // EX_SOFTWARE: a bug or an unexpected failure; never 1, which means findings
} as const;

/**
 * An error or message as one line: its first non-empty line, at most `max` characters (an ellipsis marks
 * a cut). Every error ratwatch shows or logs goes through here; what follows the first line of a tool's
 * error output is detail (or someone else's text) that would forge log lines.
 */
export function oneLine(e: unknown, max = 300): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line =
    msg
      .split(/[\r\n]+/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  // messages quote file names and parser excerpts: control bytes are escaped so a line cannot forge others
  return clean(line, Number.isFinite(max) ? max : Number.MAX_SAFE_INTEGER);
}
