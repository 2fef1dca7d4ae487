import type { Evidence, ProcessEvidence } from '../model.ts';

// Evidence items as OCSF objects (objects/evidences.json and the objects it names): each item keeps
// all its fields under `data`, and adds the OCSF object for what it is, shaped to that object's rules:
// process needs pid or uid, file needs name and type_id, device needs type_id, network_connection_info
// needs direction_id. A signer or Team ID is not mapped to file.signature: digital_signature needs an
// algorithm and a certificate with issuer and serial number, which the inventory does not read; they
// stay in `data`.

const REGULAR_FILE = { type_id: 1, type: 'Regular File' };
const SHA256 = { algorithm_id: 3, algorithm: 'SHA-256' };

function baseName(p: string): string {
  const parts = p.replace(/\\/g, '/').split('/').filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

export function fileObject(p: string, sha256?: string): Record<string, unknown> {
  return {
    name: baseName(p),
    path: p,
    ...REGULAR_FILE,
    ...(sha256 && /^[0-9a-f]{64}$/i.test(sha256) ? { hashes: [{ ...SHA256, value: sha256.toLowerCase() }] } : {}),
  };
}

function processObject(pid: number, name: string | undefined, more: Partial<ProcessEvidence> = {}): Record<string, unknown> {
  return {
    pid,
    ...(name ? { name } : {}),
    ...(more.cmdline ? { cmd_line: more.cmdline } : {}),
    ...(more.user ? { user: { name: more.user } } : {}),
    ...(more.exe ? { file: fileObject(more.exe, more.sha256) } : {}),
  };
}

// A process known only by name has no pid, and process requires pid or uid: it stays in `data` alone.
function maybeProcess(pid: number | undefined, name: string | undefined) {
  return pid !== undefined && Number.isInteger(pid) ? { process: processObject(pid, name) } : {};
}

const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17 };

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

// direction_id: a socket listening on loopback takes connections from this host only (4 Local); one
// listening elsewhere waits for connections into it (1 Inbound); otherwise the direction is not known.
function direction(state: string | undefined, local: string): { direction_id: number; direction: string } {
  if (state !== 'LISTEN') return { direction_id: 0, direction: 'Unknown' };
  return LOOPBACK.test(local) ? { direction_id: 4, direction: 'Local' } : { direction_id: 1, direction: 'Inbound' };
}

function connection(proto: string, state: string | undefined, local: string) {
  const base = proto.replace(/6$/, '');
  return {
    ...direction(state, local),
    protocol_num: PROTO_NUM[base] ?? 0,
    protocol_name: base,
    protocol_ver_id: proto.endsWith('6') ? 6 : 4,
    protocol_ver: proto.endsWith('6') ? 'Internet Protocol version 6 (IPv6)' : 'Internet Protocol version 4 (IPv4)',
  };
}

function endpoint(ip: string, port?: number) {
  return { ip, ...(port !== undefined ? { port } : {}) };
}

export function evidenceObject(e: Evidence): Record<string, unknown> {
  const base = { name: e.type, data: { ...e } };
  switch (e.type) {
    case 'process':
      return { ...base, process: processObject(e.pid, e.name, e) };
    case 'file':
      return { ...base, file: fileObject(e.path, e.sha256) };
    case 'package':
    case 'service':
      return e.path ? { ...base, file: fileObject(e.path) } : base;
    case 'socket':
      return {
        ...base,
        ...maybeProcess(e.pid, e.process),
        src_endpoint: endpoint(e.localAddress, e.localPort),
        ...(e.remoteAddress ? { dst_endpoint: endpoint(e.remoteAddress, e.remotePort) } : {}),
        connection_info: connection(e.proto, e.state, e.localAddress),
      };
    case 'banner':
      return {
        ...base,
        ...maybeProcess(e.pid, e.process),
        src_endpoint: endpoint(e.localAddress, e.port),
        connection_info: connection(e.proto, 'LISTEN', e.localAddress),
      };
    case 'cmdline-domain':
      return { ...base, ...maybeProcess(e.pid, e.process), dst_endpoint: { hostname: e.host, domain: e.domain } };
    case 'device':
      return {
        ...base,
        device: {
          type_id: 99,
          type: 'Other',
          ...((e.name ?? e.product) ? { name: e.name ?? e.product } : {}),
          ...(e.manufacturer ? { vendor_name: e.manufacturer } : {}),
          ...(e.product ? { model: e.product } : {}),
          ...(e.vendorId && e.productId ? { uid: `${e.bus}:${e.vendorId}:${e.productId}` } : {}),
        },
      };
    default:
      return base;
  }
}

// Observable type ids (objects/observable.json type_id): the values a SIEM indexes for pivoting.
const OBS = {
  hostname: [1, 'Hostname'],
  ip: [2, 'IP Address'],
  user: [4, 'User Name'],
  fileName: [7, 'File Name'],
  hash: [8, 'Hash'],
  processName: [9, 'Process Name'],
} as const;

/** The value at a path of keys (a number picks an array element), undefined where the path breaks. */
function pick(v: unknown, ...keys: Array<string | number>): unknown {
  for (const k of keys) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Observables for the values in an event's device and evidences, each named by its attribute path (array steps unindexed, as OCSF names them). */
export function observables(device: Record<string, unknown>, evidences: Array<Record<string, unknown>>): object[] {
  const out: object[] = [];
  const seen = new Set<string>();
  const add = (kind: keyof typeof OBS, name: string, value: unknown) => {
    if (typeof value !== 'string' || value === '' || seen.has(`${name}\n${value}`)) return;
    seen.add(`${name}\n${value}`);
    out.push({ name, type_id: OBS[kind][0], type: OBS[kind][1], value });
  };
  add('hostname', 'device.hostname', device.hostname);
  const at = 'evidences';
  for (const ev of evidences) {
    if (ev.process) {
      add('processName', `${at}.process.name`, pick(ev, 'process', 'name'));
      add('user', `${at}.process.user.name`, pick(ev, 'process', 'user', 'name'));
      add('fileName', `${at}.process.file.name`, pick(ev, 'process', 'file', 'name'));
      add('hash', `${at}.process.file.hashes.value`, pick(ev, 'process', 'file', 'hashes', 0, 'value'));
    }
    if (ev.file) {
      add('fileName', `${at}.file.name`, pick(ev, 'file', 'name'));
      add('hash', `${at}.file.hashes.value`, pick(ev, 'file', 'hashes', 0, 'value'));
    }
    add('ip', `${at}.src_endpoint.ip`, pick(ev, 'src_endpoint', 'ip'));
    add('ip', `${at}.dst_endpoint.ip`, pick(ev, 'dst_endpoint', 'ip'));
    add('hostname', `${at}.dst_endpoint.hostname`, pick(ev, 'dst_endpoint', 'hostname'));
  }
  return out;
}
