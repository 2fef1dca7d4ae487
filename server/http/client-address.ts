import type { IncomingMessage } from 'node:http';
import net from 'node:net';

// The address a report came from, as the server saw it. Behind a reverse proxy named in the config, the
// proxy's own X-Forwarded-For entry (the right-most one: what the proxy saw) is used; from anyone else
// the header is ignored, so a client cannot choose the public IP recorded for it.

const bare = (a: string) => a.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

export function clientAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string | null {
  const peer = req.socket.remoteAddress ? bare(req.socket.remoteAddress) : null;
  if (!peer || !trustedProxies.has(peer)) return peer;
  const xff = req.headers['x-forwarded-for'];
  const list = (Array.isArray(xff) ? xff.join(',') : (xff ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const last = list.at(-1);
  return last && net.isIP(bare(last)) ? bare(last) : peer;
}
