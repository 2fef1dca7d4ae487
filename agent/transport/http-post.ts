import type http from 'node:http';

// One POST with Node's own http/https, for reports, HEC acknowledgment queries and enrollment. An HTTP
// client library (axios) cost each delivering run ~70 ms of CPU and ~10 MiB just to load, twice what
// the request itself costs, in a daemon whose every cycle should cost what a scan does; and what it
// offered beyond Node is what ratwatch turns off (redirects, proxies, body transforms, decompression).
// Requests never follow redirects (a 3xx is an answer like any other) and never use a proxy (the
// caller's agent connects directly).

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  data: string;
}

export interface PostOptions {
  headers: Record<string, string>;
  agent: http.Agent;
  /** The whole request's budget, connect to last byte. */
  timeoutMs: number;
  /** A longer answer fails the request. */
  maxResponseBytes: number;
}

/**
 * Sends body and reads the whole answer, whatever its status. Rejects with one-line errors: the
 * network's own (connect ECONNREFUSED ...), "timed out after N ms", "response larger than N bytes".
 */
export function httpPost(url: URL, body: Buffer, o: PostOptions): Promise<HttpAnswer> {
  const mod = process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http') as typeof http;
  const signal = AbortSignal.timeout(o.timeoutMs);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(signal.aborted ? new Error(`timed out after ${o.timeoutMs} ms`) : e);
      req.destroy();
    };
    const req = mod.request(
      url,
      { method: 'POST', headers: { ...o.headers, 'content-length': String(body.length) }, agent: o.agent, signal },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxResponseBytes) fail(new Error(`response larger than ${o.maxResponseBytes} bytes`));
          else chunks.push(c);
        });
        // cut off before its end (the server closed, the budget ran out): Node's own word for it is "aborted"
        const cut = () => fail(new Error('connection closed before the answer ended'));
        res.on('error', cut);
        res.on('close', cut); // after 'end' this does nothing
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, data: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}
