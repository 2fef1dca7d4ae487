import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../../agent/catalog/load.ts';
import { bannerProbe, probePort, DEFAULT_BANNER_LIMITS } from '../../../../../agent/collectors/common/banner-probe.ts';
import { HTTP_REQUEST, parseHttpReply, parseRdpReply, RDP_REQUEST } from '../../../../../agent/collectors/common/probe-requests.ts';
import { detect } from '../../../../../agent/engine/detect.ts';
import type { SocketInfo } from '../../../../../agent/model.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { inventory } from '../../../../helpers/builders.ts';

// Recorded answers (2026-12-02, on the Debian 12 test host that scripts/setup-test-host.sh prepares, with
// RDP_REQUEST and HTTP_REQUEST sent by hand from Python's socket module):
// - XRDP_*: xrdp 0.9.21.1-1+deb12u3 started with `xrdp -n -c <copy of /etc/xrdp/xrdp.ini>` on a loopback
//   port; security_layer=negotiate selects TLS (PROTOCOL_SSL), security_layer=rdp standard RDP security.
// - WEBSOCKIFY_GET: Debian websockify 0.10.0 (`websockify 127.0.0.1:<port> 127.0.0.1:<xrdp port>`), first
//   bytes of its answer to the GET (405: it serves no files without --web).
// NEG_FAILURE is not a capture: it is the RDP_NEG_FAILURE layout of MS-RDPBCGR 2.2.1.2.2 (type 3, flags 0,
// length 8, failureCode 2 = SSL_NOT_ALLOWED_BY_SERVER) behind the same TPKT and X.224 CC header.
const XRDP_TLS = Buffer.from('030000130ed000001234000201080001000000', 'hex');
const XRDP_RDP = Buffer.from('030000130ed000001234000201080000000000', 'hex');
const NEG_FAILURE = Buffer.from('030000130ed000001234000300080002000000', 'hex');
const OLD_CC = Buffer.from('0300000b06d00000123400', 'hex');
const WEBSOCKIFY_GET = Buffer.from(
  'HTTP/1.1 405 Method Not Allowed\r\nServer: WebSockify Python/3.11.2\r\nDate: Wed, 02 Dec 2026 01:54:44 GMT\r\nConnection: close\r\n' +
    'Content-Type: text/html;charset=utf-8\r\nContent-Length: 355\r\n\r\n<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n' +
    '        <title>Error response</title>\n    </head>\n',
  'latin1',
);

describe('the RDP question and its answers (MS-RDPBCGR 2.2.1.1, 2.2.1.2)', () => {
  it('asks in 19 bytes: TPKT, X.224 Connection Request, RDP_NEG_REQ for TLS and CredSSP, no cookie', () => {
    expect(RDP_REQUEST.bytes.length).toBe(19);
    expect(RDP_REQUEST.bytes.readUInt16BE(2)).toBe(19);
    expect(RDP_REQUEST.bytes[5]).toBe(0xe0);
    expect(RDP_REQUEST.bytes.readUInt32LE(15)).toBe(0x3);
    expect(RDP_REQUEST.bytes.includes(Buffer.from('Cookie'))).toBe(false);
  });

  it("recognises xrdp's recorded answers, a negotiation failure and a confirm without negotiation data", () => {
    expect(parseRdpReply(XRDP_TLS)).toBe('rdp: negotiation response, PROTOCOL_SSL');
    expect(parseRdpReply(XRDP_RDP)).toBe('rdp: negotiation response, PROTOCOL_RDP');
    expect(parseRdpReply(NEG_FAILURE)).toBe('rdp: negotiation failure, SSL_NOT_ALLOWED_BY_SERVER');
    expect(parseRdpReply(OLD_CC)).toBe('rdp: connection confirm without negotiation data');
  });

  it('recognises nothing else: an SSH greeting, a TLS alert, an X.224 request echoed, short or damaged bytes', () => {
    for (const b of [
      Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n'),
      Buffer.from('15030300020250', 'hex'),
      RDP_REQUEST.bytes,
      XRDP_TLS.subarray(0, 10),
      Buffer.from('030000130ed000001234000908080001000000', 'hex'),
      Buffer.from('030000130ed000001234000201ff0001000000', 'hex'),
      WEBSOCKIFY_GET,
    ]) {
      expect(parseRdpReply(b)).toBeUndefined();
    }
  });
});

describe('the HTTP question and its answers', () => {
  it('asks GET / in HTTP/1.0, naming itself', () => {
    expect(HTTP_REQUEST.bytes.toString('latin1')).toBe('GET / HTTP/1.0\r\nUser-Agent: ratwatch-banner-probe\r\nConnection: close\r\n\r\n');
  });

  it("reads the Server header and the title of websockify's recorded answer, and escapes what it keeps", () => {
    expect(parseHttpReply(WEBSOCKIFY_GET)).toBe('http: server=WebSockify Python/3.11.2 title=Error response');
    expect(parseHttpReply(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))).toBe('http: status 200');
    expect(parseHttpReply(Buffer.from('HTTP/1.0 404 Not Found\r\nServer: evil\x1b[2J\x07\r\n'))).toBe('http: server=evil\\x1b[2J\\x07');
    expect(parseHttpReply(Buffer.from(`HTTP/1.1 200 OK\r\nServer: ${'x'.repeat(500)}\r\n\r\n`))!.length).toBeLessThan(140);
    expect(parseHttpReply(Buffer.from('SSH-2.0-dropbear\r\n'))).toBeUndefined();
    expect(parseHttpReply(XRDP_TLS)).toBeUndefined();
  });
});

describe('the probe asks a silent port in turn and keeps the first recognised answer (replayed)', () => {
  const latin1 = (b: Buffer) => b.toString('latin1');
  const runner = () =>
    new ReplayRunner({
      banners: { '3389': '', '6080': '', '7000': '', '5900': 'RFB 003.008\n' },
      replies: {
        '3389': { rdp: latin1(XRDP_TLS) },
        '6080': { http: latin1(WEBSOCKIFY_GET) },
        '7000': { rdp: 'garbage', http: 'more garbage' },
      },
    });

  it('RDP by the first question, HTTP by the second (asked together), nothing for a server that answers neither, no question to a talker', async () => {
    const r = runner();
    const limits = DEFAULT_BANNER_LIMITS;
    expect(await probePort(r, '127.0.0.1', 3389, limits)).toEqual({
      banner: '\\x03\\x00\\x00\\x13\\x0e\\xd0\\x00\\x00\\x124\\x00\\x02\\x01\\x08\\x00\\x01\\x00\\x00\\x00',
      reply: 'rdp: negotiation response, PROTOCOL_SSL',
    });
    expect(await probePort(r, '127.0.0.1', 6080, limits)).toMatchObject({
      banner: 'HTTP/1.1 405 Method Not Allowed\\r\\nServer: WebSockify Python/3.11.',
      reply: 'http: server=WebSockify Python/3.11.2 title=Error response',
    });
    expect(await probePort(r, '127.0.0.1', 7000, limits)).toBeUndefined();
    expect(await probePort(r, '127.0.0.1', 5900, limits)).toEqual({ banner: 'RFB 003.008\\n' });
    expect(r.calls).toEqual([
      'connect 127.0.0.1 3389',
      'connect 127.0.0.1 3389 rdp',
      'connect 127.0.0.1 3389 http',
      'connect 127.0.0.1 6080',
      'connect 127.0.0.1 6080 rdp',
      'connect 127.0.0.1 6080 http',
      'connect 127.0.0.1 7000',
      'connect 127.0.0.1 7000 rdp',
      'connect 127.0.0.1 7000 http',
      'connect 127.0.0.1 5900',
    ]);
    await expect(probePort(r, '10.0.0.1', 3389, limits)).rejects.toThrow(/non-loopback/);
  });

  it('puts banner and reply on every listener of the port', async () => {
    const sockets: SocketInfo[] = [
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 3389, state: 'LISTEN' },
      { proto: 'tcp6', localAddress: '::ffff:127.0.0.1', localPort: 3389, state: 'LISTEN' },
    ];
    const inv = { processes: [], packages: [], services: [], sockets, devices: [], settings: [], files: [], context: {} };
    await bannerProbe('linux').enrich({ runner: runner(), hints: { executableNames: [] }, allowProbes: true }, inv);
    expect(sockets.map((s) => s.reply)).toEqual(['rdp: negotiation response, PROTOCOL_SSL', 'rdp: negotiation response, PROTOCOL_SSL']);
  });
});

describe('the engine on recognised replies (real catalog)', () => {
  const catalog = loadCatalog();
  const rdp: SocketInfo = {
    proto: 'tcp',
    localAddress: '0.0.0.0',
    localPort: 3390,
    state: 'LISTEN',
    pid: 900,
    banner: '\\x03',
    reply: 'rdp: negotiation response, PROTOCOL_SSL',
  };
  const ids = (fs: ReturnType<typeof detect>) => fs.map((f) => `${f.tool.id} ${f.state}`).sort();

  it('an RDP answer nobody owns is an RDP server on Linux, under any process name', () => {
    const fs = detect(
      inventory('linux', { sockets: [rdp], processes: [{ pid: 900, name: 'kworker-helper', exe: '/tmp/.x/kworker-helper' }] }),
      catalog,
    );
    expect(ids(fs)).toEqual(['rdp-server running']);
    expect(
      fs[0].evidence.map((e) => (e.type === 'process' ? `process ${e.matchedBy}` : e.type === 'banner' ? `banner ${e.text}` : e.type)),
    ).toEqual(['banner rdp: negotiation response, PROTOCOL_SSL', 'process banner']);
  });

  it('on Windows with RDP switched on, the answer joins Windows Remote Desktop instead of naming another tool', () => {
    const fs = detect(
      inventory('windows', { sockets: [{ ...rdp, localPort: 3389 }], settings: [{ key: 'rdp.enabled', value: true, source: 'reg' }] }),
      catalog,
    );
    expect(ids(fs)).toEqual(['windows-rdp listening']);
  });

  it('the xrdp process owning the socket keeps the answer as corroboration', () => {
    const fs = detect(inventory('linux', { sockets: [rdp], processes: [{ pid: 900, name: 'xrdp', exe: '/usr/sbin/xrdp' }] }), catalog);
    expect(ids(fs)).toEqual(['xrdp running']);
    expect(fs[0].evidence.find((e) => e.type === 'banner')?.strength).toBe('corroborating');
  });

  it('websockify by its Server header, even when its process is unknown; other web servers stay nothing', () => {
    const ws: SocketInfo = {
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: 6080,
      state: 'LISTEN',
      reply: 'http: server=WebSockify Python/3.11.2',
    };
    expect(ids(detect(inventory('linux', { sockets: [ws] }), catalog))).toEqual(['novnc listening']);
    const others = [
      'http: server=SimpleHTTP/0.6 Python/3.12.3',
      'http: server=nginx',
      'http: status 400',
      'http: server=Microsoft-HTTPAPI/2.0',
    ].map((reply, i): SocketInfo => ({ ...ws, localPort: 8000 + i, reply }));
    expect(detect(inventory('linux', { sockets: others }), catalog)).toEqual([]);
  });
});
