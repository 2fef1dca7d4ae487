import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

// A real SMTP server (smtp-server, no TLS) on 127.0.0.1 that keeps every message it accepts.

export interface Mail {
  from: string;
  to: string[];
  raw: string;
}
export interface SmtpSink {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** opts are merged into smtp-server's (e.g. auth); the first rejectFirst messages get a 451. */
export async function smtpSink(opts: Partial<SMTPServerOptions> = {}, rejectFirst = 0): Promise<SmtpSink> {
  const mails: Mail[] = [];
  let seen = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (seen++ < rejectFirst) return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
    ...opts,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The Subject header of a raw message, unfolded. */
export function subjectOf(raw: string): string {
  const head = raw.split(/\r\n\r\n/)[0].replace(/\r\n(?=[ \t])/g, '');
  return /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
}
