// The load generator of bench-server.ts, in a child process so that its TLS and request work does not run
// on the server's event loop and its CPU time is not counted as the server's. Plain JavaScript, started
// with fork() (advanced serialization); each job comes as a message:
// { url, ca, concurrency, rate?, fresh?, trace?, requests: [{ headers, body }] }; the child answers 'ready', runs on the
// next message ('go') and sends the result back as one message; then the next job may come.
// Without `rate`: closed loop, `concurrency` senders back to back (the most the server takes).
// With `rate` (requests/s): open loop, request i is due at i/rate s whatever the server does, and its
// latency counts from when it was due, so a server that falls behind shows it (no coordinated omission);
// `concurrency` then caps the sockets.
import https from 'node:https';
import { PerformanceObserver } from 'node:perf_hooks';
import tls from 'node:tls';

// What the connections cost: new TLS connections, how many resumed a session, and why requests failed
// (a status of 0 in the figures is a request that got no answer: its error code is counted here).
// closedByServer: kept-alive sockets the server ended (keepAliveTimeout, Connection: close...).
const conns = { opened: 0, resumed: 0, closedByServer: 0, errors: {} };
const seen = new WeakSet();
const freedAt = new WeakMap(); // socket -> when its last response ended (kept-alive sockets)

// Absolute time (ms since the epoch, sub-ms) shared with the server process's timeline (server-probe.ts).
const at = () => performance.timeOrigin + performance.now();

function post(agent, url, options, body, trace) {
  return new Promise((resolve) => {
    const req = https.request(url, options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    let idleMs; // how long the kept-alive socket this request got had been idle
    req.on('socket', (s) => {
      if (trace) trace.socketAt = at();
      if (freedAt.has(s)) idleMs = performance.now() - freedAt.get(s);
      if (seen.has(s)) return;
      seen.add(s);
      if (agent.keepAlive) s.once('end', () => conns.closedByServer++);
      if (trace) trace.newConn = true;
      s.once('secureConnect', () => {
        if (trace) trace.connectedAt = at();
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

/**
 * Each request's options and body, built before the run: built per send (a copy of the body and of its
 * headers), they were garbage the generator made at 1,000 sends/s and its scavenges delayed sends.
 */
function prepare(job) {
  const url = new URL(job.url);
  // One TLS context for every connection: given `ca` instead, each new socket built its own (~1 ms of the
  // generator's CPU, synchronously), so a burst of new sockets stalled the send loop and grew the burst.
  const secureContext = tls.createSecureContext({ ca: Buffer.from(job.ca) });
  // job.fresh: one new connection per report and no TLS session kept, as the agent sends (agent/transport/agent.ts:
  // keepAlive false, and a new Agent, so an empty session cache, for each delivery).
  // Unbounded sockets then: a capped pool would hand a queued request a socket another report just used.
  const agent = job.fresh
    ? new https.Agent({ keepAlive: false, maxCachedSessions: 0 })
    : // A pool keeps what it opened (as a proxy's keepalive pool does): with Node's default maxFreeSockets
      // (256) a burst's extra sockets were closed once free and the next burst opened them again.
      new https.Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const sends = job.requests.map((r) => {
    const body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
    return { body, options: { method: 'POST', agent, secureContext, headers: { ...r.headers, 'content-length': String(body.length) } } };
  });
  job.requests = undefined;
  return { url, secureContext, agent, sends };
}

async function run(job, { url, secureContext, agent, sends }) {
  agent.on('free', (s) => freedAt.set(s, performance.now()));
  const latenciesMs = [];
  const traces = []; // with job.trace: per request, when it was due, got a socket, connected, was answered
  const statuses = {};
  let non200 = 0;
  const afterFirstSecondMs = []; // open loop: requests due after the first second (sockets and JIT warmed up)
  const record = (status, ms, i) => {
    latenciesMs.push(ms);
    if (job.rate && i >= job.rate) afterFirstSecondMs.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== 200) non200++;
  };
  // The generator's own GC pauses: a request due during one is sent late and its latency counts that too.
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (job.rate) {
    // Warm the sockets first (TLS handshakes are not what a client pays per report on a kept-alive link), unless
    // each report gets its own connection. The whole pool, as a proxy's that has carried this load before: with
    // 16 warmed, a 20 ms stall at 1,000/s opened new connections, whose handshakes on the server made it longer.
    await Promise.all(
      Array.from(
        { length: job.fresh ? 0 : job.concurrency },
        () =>
          new Promise((resolve) => {
            https
              .get(new URL('/healthz', url), { agent, secureContext }, (res) => {
                res.resume();
                res.on('end', resolve);
              })
              .on('socket', (s) => {
                seen.add(s); // not a new connection when a report later gets it
                s.once('end', () => conns.closedByServer++);
              })
              .on('error', resolve);
          }),
      ),
    );
    const start = performance.now();
    const pending = [];
    for (let i = 0; i < sends.length; i++) {
      const due = start + (i * 1000) / job.rate;
      const wait = due - performance.now();
      // Behind schedule, the loop still lets answers in before each send: sent back to back, every request of
      // the catch-up found its socket not yet freed and the pool opened a new connection for it.
      await new Promise((r) => (wait > 1 ? setTimeout(r, wait) : setImmediate(r)));
      const trace = job.trace ? { dueAt: performance.timeOrigin + due } : undefined;
      if (trace) traces.push(trace);
      pending.push(
        post(agent, url, sends[i].options, sends[i].body, trace).then((status) => {
          if (trace) Object.assign(trace, { doneAt: at(), status });
          record(status, performance.now() - due, i);
        }),
      );
    }
    await Promise.all(pending);
    const seconds = (performance.now() - start) / 1000;
    agent.destroy();
    gcObserver.disconnect();
    return { latenciesMs, afterFirstSecondMs, non200, seconds, statuses, conns, cpu: process.cpuUsage(cpu0), traces, gc };
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < sends.length) {
        const r = sends[next++];
        const s = performance.now();
        const trace = job.trace ? { dueAt: performance.timeOrigin + s } : undefined;
        if (trace) traces.push(trace);
        const status = await post(agent, url, r.options, r.body, trace);
        if (trace) Object.assign(trace, { doneAt: at(), status });
        record(status, performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  gcObserver.disconnect();
  return { latenciesMs, afterFirstSecondMs, non200, seconds, statuses, conns, cpu: process.cpuUsage(cpu0), traces, gc };
}

// Jobs come one after another (bench-server.ts keeps this process for all of a bench's runs, so that its code is
// warm from the second run on). 'ready' once a job is here (its transfer is the parent's work, not the
// server's), then 'go' starts it and its result goes back as one message.
let prepared;
process.on('message', async (m) => {
  if (m !== 'go') {
    prepared = { job: m, ...prepare(m) };
    // The job's copy and the prepared requests, collected now and promoted to the old generation: a run then
    // starts with an empty young generation, and its scavenges find only the run's own garbage.
    globalThis.gc?.();
    globalThis.gc?.();
    process.send('ready');
    return;
  }
  const { job, ...ready } = prepared;
  prepared = undefined;
  Object.assign(conns, { opened: 0, resumed: 0, closedByServer: 0, errors: {} });
  process.send(await run(job, ready));
});
process.on('disconnect', () => process.exit(0));
