// The load generator of bench-server.ts, in a child process so that its TLS and request work does not run
// on the server's event loop and its CPU time is not counted as the server's. Plain JavaScript, started
// with fork() (advanced serialization); the job comes as the first message:
// { url, ca, concurrency, rate?, requests: [{ headers, body }] }; the child answers 'ready', runs on the
// next message and sends the result back as one message.
// Without `rate`: closed loop, `concurrency` senders back to back (the most the server takes).
// With `rate` (requests/s): open loop, request i is due at i/rate s whatever the server does, and its
// latency counts from when it was due, so a server that falls behind shows it (no coordinated omission);
// `concurrency` then caps the sockets.
import https from 'node:https';

// What the connections cost: new TLS connections, how many resumed a session, and why requests failed
// (a status of 0 in the figures is a request that got no answer: its error code is counted here).
const conns = { opened: 0, resumed: 0, errors: {} };
const seen = new WeakSet();
const freedAt = new WeakMap(); // socket -> when its last response ended (kept-alive sockets)

function post(agent, url, ca, headers, body) {
  return new Promise((resolve) => {
    const req = https.request(url, { method: 'POST', agent, ca, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    let idleMs; // how long the kept-alive socket this request got had been idle
    req.on('socket', (s) => {
      if (freedAt.has(s)) idleMs = performance.now() - freedAt.get(s);
      if (seen.has(s)) return;
      seen.add(s);
      s.once('secureConnect', () => {
        conns.opened++;
        if (s.isSessionReused()) conns.resumed++;
      });
    });
    req.on('error', (e) => {
      // A reused socket's idle time tells a server-side keep-alive close apart from a refused connection.
      const code = `${e.code ?? e.message} ${idleMs === undefined ? 'on a new connection' : `on a socket idle ${(idleMs / 1000).toFixed(1)} s`}`;
      conns.errors[code] = (conns.errors[code] ?? 0) + 1;
      resolve(0);
    });
    req.end(body);
  });
}

async function run(job) {
  const url = new URL(job.url);
  const ca = Buffer.from(job.ca);
  const agent = new https.Agent({ keepAlive: true, maxSockets: job.concurrency });
  agent.on('free', (s) => freedAt.set(s, performance.now()));
  const latenciesMs = [];
  const statuses = {};
  let non200 = 0;
  const record = (status, ms) => {
    latenciesMs.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== 200) non200++;
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (job.rate) {
    // Warm the sockets first (TLS handshakes are not what an agent pays per report on a kept-alive link).
    await Promise.all(
      Array.from(
        { length: Math.min(job.concurrency, 16) },
        () =>
          new Promise((resolve) => {
            https
              .get(new URL('/healthz', url), { agent, ca }, (res) => {
                res.resume();
                res.on('end', resolve);
              })
              .on('error', resolve);
          }),
      ),
    );
    const start = performance.now();
    const pending = [];
    for (let i = 0; i < job.requests.length; i++) {
      const due = start + (i * 1000) / job.rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const r = job.requests[i];
      pending.push(post(agent, url, ca, r.headers, Buffer.from(r.body)).then((status) => record(status, performance.now() - due)));
    }
    await Promise.all(pending);
    const seconds = (performance.now() - start) / 1000;
    agent.destroy();
    return { latenciesMs, non200, seconds, statuses, conns, cpu: process.cpuUsage(cpu0) };
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.requests.length) {
        const r = job.requests[next++];
        const s = performance.now();
        record(await post(agent, url, ca, r.headers, Buffer.from(r.body)), performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { latenciesMs, non200, seconds, statuses, conns, cpu: process.cpuUsage(cpu0) };
}

// 'ready' once the job is here (its transfer is the parent's work, not the server's), then 'go' starts it.
process.once('message', (job) => {
  process.once('message', async () => process.send(await run(job), () => process.exit(0)));
  process.send('ready');
});
