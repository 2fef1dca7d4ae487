import net from 'node:net';

// Plain http is only acceptable when the bytes never leave the machine; everything else needs TLS
// unless an administrator opts out explicitly (endpoint.allowInsecureHttp).

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.split('.')[0] === '127';
  if (net.isIPv6(h)) {
    if (h === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped ? mapped[1].split('.')[0] === '127' : false;
  }
  return false;
}

/** Why this endpoint URL must not be used, or undefined when it is acceptable. */
export function endpointUrlProblem(raw: string, allowInsecureHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an https URL';
  }
  if (url.username || url.password) return 'must not carry credentials (use endpoint.tokenFile or endpoint.tokenEnv)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return 'must be an https URL';
  if (isLoopbackHost(url.hostname) || allowInsecureHttp) return undefined;
  return 'must be an https URL (http only to a loopback address or with endpoint.allowInsecureHttp)';
}
