import type { Evidence } from '../model.ts';
import { clean } from '../text.ts';

// The short human line the table shows for an evidence item, rendered from its fields (JSON carries the
// fields themselves). Values were cleaned by the engine; they are cleaned again because a saved scan may
// come from anywhere.

function who(pid: number | undefined, name: string | undefined): string {
  if (name && pid !== undefined) return `${name} (pid ${pid})`;
  return name ?? (pid !== undefined ? `pid ${pid}` : 'unknown process');
}

function render(e: Evidence): string {
  switch (e.type) {
    case 'process': {
      // an interpreter is named by the script it runs, which is what may be a renamed copy
      const how =
        e.matchedBy === 'script' && e.script
          ? ` runs ${clean(e.script, 512)}${e.copyOf ? `, a copy of ${e.copyOf}` : ''}`
          : e.copyOf
            ? ` is a copy of ${e.copyOf} (${e.matchedBy})`
            : e.renamed
              ? ` renamed, by ${e.matchedBy}`
              : ` by ${e.matchedBy}`;
      const signed = e.signer ? `, signed by ${e.signer}` : e.teamId ? `, Team ID ${e.teamId}` : '';
      return `${who(e.pid, e.name)}${how}${e.exe ? `, ${e.exe}` : ''}${signed}`;
    }
    case 'package':
      return `${e.name}${e.version ? ` ${e.version}` : ''} (${e.manager})${e.path ? ` at ${e.path}` : ''}`;
    case 'service':
      return `${e.name}${e.state ? ` [${e.state}]` : ''} (${e.manager}${e.startType ? `, ${e.startType}` : ''})`;
    case 'socket':
      return `${e.proto} ${e.localAddress}:${e.localPort}${e.remoteAddress ? ` -> ${e.remoteAddress}:${e.remotePort ?? '?'}` : ''} ${e.state} by ${who(e.pid, e.process)}`;
    case 'banner':
      return `${e.proto} ${e.localAddress}:${e.port} by ${who(e.pid, e.process)} answers "${e.text}"`;
    case 'file':
      return e.path;
    case 'device':
      return `${e.bus} ${e.vendorId && e.productId ? `${e.vendorId}:${e.productId} ` : ''}"${[e.manufacturer, e.product ?? e.name].filter(Boolean).join(' ')}"`;
    case 'setting':
      return `${e.key}=${String(e.value)} (${e.source})`;
    case 'cmdline-domain':
      return `${who(e.pid, e.process)} names ${e.host}${e.host === e.domain ? '' : ` (${e.domain})`}`;
    case 'tool':
      return `${e.id} (${e.name}, ${e.category})`;
    case 'legacy':
      return `${e.kind}: ${e.text}`;
  }
}

/** "process: x11vnc (pid 812) by name, /usr/bin/x11vnc", one line. */
export function evidenceLine(e: Evidence): string {
  return clean(`${e.type}: ${render(e)}`);
}
