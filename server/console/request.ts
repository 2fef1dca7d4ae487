// Reading what a browser sends: cookies, bounded form bodies (urlencoded and multipart with one file).
import type { IncomingMessage } from 'node:http';

export const MAX_FORM_BYTES = 1024 * 1024;

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new BadRequest('The form is too large.', 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new BadRequest('The form is too large.', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface Form {
  fields: Map<string, string>;
  files: Map<string, { filename: string; content: string }>;
}

/** A POSTed form, urlencoded or multipart/form-data; anything else is a 415. */
export async function readForm(req: IncomingMessage, max = MAX_FORM_BYTES): Promise<Form> {
  const type = req.headers['content-type'] ?? '';
  const body = await readBody(req, max);
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const fields = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) if (!fields.has(k)) fields.set(k, v);
    return { fields, files: new Map() };
  }
  const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(type);
  if (boundary) return parseMultipart(body, boundary[1] ?? boundary[2]);
  throw new BadRequest('Unsupported form encoding.', 415);
}

/** RFC 7578 multipart/form-data: parts separated by --boundary, each with headers then a blank line. */
export function parseMultipart(body: Buffer, boundary: string): Form {
  const fields = new Map<string, string>();
  const files = new Map<string, { filename: string; content: string }>();
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  if (pos < 0) throw new BadRequest('Malformed multipart form.');
  for (let parts = 0; parts < 100; parts++) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return { fields, files };
    const next = body.indexOf(delim, pos);
    if (next < 0) throw new BadRequest('Malformed multipart form.');
    const part = body.subarray(pos + 2, next - 2); // drop the CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new BadRequest('Malformed multipart form.');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4).toString('utf8');
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) {
      if (filename !== undefined) files.set(name, { filename, content });
      else if (!fields.has(name)) fields.set(name, content);
    }
    pos = next;
  }
  throw new BadRequest('Too many parts in the form.');
}
