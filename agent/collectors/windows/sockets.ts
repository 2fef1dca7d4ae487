import type { SocketInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean } from '../../text.ts';
import { PS_PRELUDE, asRecords, int, parseJsonRecords, runPowerShell, str } from './powershell.ts';

// TCP connections and UDP endpoints with their owning process, from the NetTCPIP module rather than
// netstat: netstat translates its state column (German "ABHÖREN") while the cmdlets give the state as
// an enum, which Windows PowerShell 5.1 prints as a number and other versions may print as its name.

export const SOCKETS_SCRIPT =
  PS_PRELUDE +
  [
    '$p=@(Get-Process|Select-Object Id,ProcessName);',
    '$t=@(Get-NetTCPConnection|Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,State,OwningProcess);',
    '$u=@(Get-NetUDPEndpoint|Select-Object LocalAddress,LocalPort,OwningProcess);',
    'ConvertTo-Json -Compress -Depth 3 -InputObject @{processes=$p;tcp=$t;udp=$u}',
  ].join('');

const MAX_SOCKETS = 50_000;

// MSFT_NetTCPConnection.State: the MIB_TCP_STATE numbers, plus Bound (100) for a socket bound but not listening
const TCP_STATES: Record<string, string> = {
  '1': 'CLOSED',
  '2': 'LISTEN',
  '3': 'SYN_SENT',
  '4': 'SYN_RECEIVED',
  '5': 'ESTABLISHED',
  '6': 'FIN_WAIT1',
  '7': 'FIN_WAIT2',
  '8': 'CLOSE_WAIT',
  '9': 'CLOSING',
  '10': 'LAST_ACK',
  '11': 'TIME_WAIT',
  '12': 'DELETE_TCB',
  '100': 'BOUND',
  closed: 'CLOSED',
  listen: 'LISTEN',
  synsent: 'SYN_SENT',
  synreceived: 'SYN_RECEIVED',
  established: 'ESTABLISHED',
  finwait1: 'FIN_WAIT1',
  finwait2: 'FIN_WAIT2',
  closewait: 'CLOSE_WAIT',
  closing: 'CLOSING',
  lastack: 'LAST_ACK',
  timewait: 'TIME_WAIT',
  deletetcb: 'DELETE_TCB',
  bound: 'BOUND',
};

export function tcpState(v: unknown): string {
  const k = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : '';
  return TCP_STATES[k] ?? (k ? clean(k.toUpperCase(), 32) : 'UNKNOWN');
}

function isUnspecified(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::' || addr === '*';
}

export function parseSockets(json: string): SocketInfo[] {
  const [doc] = parseJsonRecords(json, 'Get-NetTCPConnection');
  if (!doc) return [];
  const names = new Map<number, string>();
  for (const p of asRecords(doc.processes, 'Get-Process')) {
    const id = int(p.Id);
    const n = str(p.ProcessName);
    if (id !== undefined && n) names.set(id, clean(n, 256));
  }
  const out: SocketInfo[] = [];
  const add = (r: Record<string, unknown>, udp: boolean) => {
    const local = str(r.LocalAddress);
    const port = int(r.LocalPort);
    if (!local || port === undefined || out.length >= MAX_SOCKETS) return;
    const v6 = local.includes(':');
    const so: SocketInfo = {
      proto: udp ? (v6 ? 'udp6' : 'udp') : v6 ? 'tcp6' : 'tcp',
      localAddress: clean(local, 64),
      localPort: port,
      state: udp ? 'UNCONN' : tcpState(r.State),
    };
    const remote = str(r.RemoteAddress);
    const rport = int(r.RemotePort);
    if (!udp && remote && rport && !isUnspecified(remote)) {
      so.remoteAddress = clean(remote, 64);
      so.remotePort = rport;
    }
    const pid = int(r.OwningProcess);
    if (pid !== undefined) {
      so.pid = pid;
      const name = names.get(pid);
      if (name) so.process = name;
    }
    out.push(so);
  };
  for (const r of asRecords(doc.tcp, 'Get-NetTCPConnection')) add(r, false);
  for (const r of asRecords(doc.udp, 'Get-NetUDPEndpoint')) add(r, true);
  return out;
}

export const socketsCollector: Collector = {
  name: 'windows.sockets',
  async collect(ctx) {
    return { sockets: parseSockets(await runPowerShell(ctx, SOCKETS_SCRIPT, 'Get-NetTCPConnection')) };
  },
};
