import type { ProbeRequest } from '../../runner.ts';
import { escapeBanner } from './banner-text.ts';

// Servers that wait for the client to speak (RDP, HTTP) say nothing to a probe that only listens. For those
// the probe asks one fixed, small question and recognises the answer. Each parser returns a one-line
// description, "<protocol>: <what the answer says>", which catalog banner prefixes match (e.g. "rdp: ",
// "http: server=websockify"), or undefined when the bytes are not an answer of that protocol.

/**
 * MS-RDPBCGR 2.2.1.1 Client X.224 Connection Request PDU: TPKT header (RFC 1006: version 3, length 19),
 * X.224 Connection Request TPDU (length indicator 14, CR 0xE0, references and class 0; no cookie, so no
 * user name is sent), and RDP_NEG_REQ (type 1, flags 0, length 8) requesting PROTOCOL_SSL | PROTOCOL_HYBRID.
 */
export const RDP_REQUEST: ProbeRequest = { name: 'rdp', bytes: Buffer.from('030000130ee000000000000100080003000000', 'hex') };

/** HTTP/1.0 GET of the root: answered by every web server, without a Host (1.0 does not need one). */
export const HTTP_REQUEST: ProbeRequest = {
  name: 'http',
  bytes: Buffer.from('GET / HTTP/1.0\r\nUser-Agent: ratwatch-banner-probe\r\nConnection: close\r\n\r\n', 'latin1'),
};

// MS-RDPBCGR 2.2.1.2.1 RDP_NEG_RSP selectedProtocol and 2.2.1.2.2 RDP_NEG_FAILURE failureCode
const SELECTED: Record<number, string> = {
  0: 'PROTOCOL_RDP',
  1: 'PROTOCOL_SSL',
  2: 'PROTOCOL_HYBRID',
  4: 'PROTOCOL_RDSTLS',
  8: 'PROTOCOL_HYBRID_EX',
  16: 'PROTOCOL_RDSAAD',
};
const FAILURE: Record<number, string> = {
  1: 'SSL_REQUIRED_BY_SERVER',
  2: 'SSL_NOT_ALLOWED_BY_SERVER',
  3: 'SSL_CERT_NOT_ON_SERVER',
  4: 'INCONSISTENT_FLAGS',
  5: 'HYBRID_REQUIRED_BY_SERVER',
  6: 'SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER',
};

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** The Server X.224 Connection Confirm PDU (MS-RDPBCGR 2.2.1.2), with or without its negotiation data. */
export function parseRdpReply(b: Buffer): string | undefined {
  // TPKT version 3, reserved 0, a length that covers at least the 7-byte X.224 header
  if (b.length < 11 || b[0] !== 0x03 || b[1] !== 0x00) return undefined;
  const tpktLength = b.readUInt16BE(2);
  const li = b[4];
  if (tpktLength < 11 || li < 6 || (b[5] & 0xf0) !== 0xd0) return undefined; // CC: Connection Confirm
  if (li < 14 || tpktLength < 19 || b.length < 19) return 'rdp: connection confirm without negotiation data';
  const type = b[11];
  const value = b.readUInt32LE(15);
  if (b.readUInt16LE(13) !== 8) return undefined;
  if (type === 0x02) return `rdp: negotiation response, ${SELECTED[value] ?? `protocol ${hex32(value)}`}`;
  if (type === 0x03) return `rdp: negotiation failure, ${FAILURE[value] ?? `code ${hex32(value)}`}`;
  return undefined;
}

const MAX_FIELD = 120;
const field = (v: string) => escapeBanner(Buffer.from(v.trim().slice(0, MAX_FIELD), 'latin1'));

/** An HTTP response's status line, Server header and page title, from the first bytes of the answer. */
export function parseHttpReply(b: Buffer): string | undefined {
  const text = b.toString('latin1');
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text);
  if (!status) return undefined;
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const server = /\r\nserver:[ \t]*([^\r\n]*)/i.exec(head)?.[1];
  const title = end === -1 ? undefined : /<title[^>]*>([^<]*)</i.exec(text.slice(end))?.[1];
  const parts = [server?.trim() ? `server=${field(server)}` : `status ${status[1]}`];
  if (title?.trim()) parts.push(`title=${field(title)}`);
  return `http: ${parts.join(' ')}`;
}
