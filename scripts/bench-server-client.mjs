// The load generator of bench-server.ts, in a worker thread so that its TLS and request work does not run
// on the server's event loop (the server is what is measured). Plain JavaScript: Node 20 workers do not
// take the tsx loader. workerData: { url, ca, concurrency, requests: [{ headers, body }] }.
import https from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';

function post(agent, url, ca, headers, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, ca, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(job) {
  const url = new URL(job.url);
  const ca = Buffer.from(job.ca);
  const agent = new https.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const latenciesMs = [];
  const statuses = {};
  let next = 0;
  let non200 = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (next < job.requests.length) {
      const r = job.requests[next++];
      const s = performance.now();
      const status = await post(agent, url, ca, r.headers, Buffer.from(r.body));
      latenciesMs.push(performance.now() - s);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 200) non200++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { latenciesMs, non200, seconds, statuses };
}

if (parentPort) parentPort.postMessage(await run(workerData));
