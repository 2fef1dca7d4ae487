import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../../../server/notify/index.ts';
import { deadPort, farmAlert } from '../../../helpers/server/notify-sinks.ts';
import { type SmtpSink, smtpSink as startSmtpSink } from '../../../helpers/smtp-sink.ts';

let sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  sinks = [];
});

async function smtpSink(opts: Partial<SMTPServerOptions> = {}, rejectFirst = 0): Promise<SmtpSink> {
  const sink = await startSmtpSink(opts, rejectFirst);
  sinks.push(sink);
  return sink;
}

const base = {
  type: 'email' as const,
  host: '127.0.0.1',
  tls: 'none' as const,
  from: 'ratwatch@corp.example',
  to: ['it@corp.example', 'sec@corp.example'],
  retries: 2,
  backoffMs: 5,
  timeoutMs: 5_000,
};

function headers(raw: string): string[] {
  const head = raw.split(/\r\n\r\n/)[0];
  return head.split(/\r\n(?![ \t])/).map((h) => h.replace(/\r\n(?=[ \t])/g, '')); // unfold continuation lines
}

describe('email over SMTP', () => {
  it('delivers a plain-text alert to the configured recipients only, headers free of injected lines', async () => {
    const s = await smtpSink();
    await createNotifier({ ...base, port: s.port }).send(farmAlert());
    expect(s.mails).toHaveLength(1);
    const [m] = s.mails;
    expect(m.from).toBe('ratwatch@corp.example');
    expect(m.to).toEqual(['it@corp.example', 'sec@corp.example']);
    const hs = headers(m.raw);
    expect(hs.filter((h) => /^bcc:/i.test(h))).toEqual([]);
    expect(hs.filter((h) => /^subject:/i.test(h))).toEqual([
      'Subject: [ratwatch] CRITICAL laptop-farm: Possible laptop farm: 6 hosts of 6 users share gateway MAC 60:38:e0:11:22:33 ' +
        '(+1 more shared network); 2 with remote access on <!channel> & <https://evil.example|click> *pwn* Bcc: victim@evil.example',
    ]);
    expect(hs).toContain('X-Ratwatch-Alert-ID: alert-1');
    expect(hs).toContain('X-Ratwatch-Severity: critical');
    expect(m.raw).toContain('Content-Type: text/plain');
    expect(m.raw).not.toMatch(/text\/html/i);
    const body = m.raw
      .split(/\r\n\r\n/)
      .slice(1)
      .join('\n\n');
    expect(body).toContain('Rules met: shared-network, shared-public-ip, remote-access-in-group');
    expect(body).toContain('AnyDesk (remote-desktop)');
    expect(body).not.toMatch(/\r\nBcc:/);
  });

  it('authenticates, and a wrong password fails at once in one line without the password', async () => {
    const s = await smtpSink({
      authOptional: false,
      onAuth(auth, _session, cb) {
        if (auth.username === 'ratwatch' && auth.password === 'right-password') return cb(null, { user: 'ratwatch' });
        return cb(new Error('Invalid username or password'));
      },
    });
    await createNotifier({ ...base, port: s.port, user: 'ratwatch', pass: 'right-password' }).send(farmAlert());
    expect(s.mails).toHaveLength(1);
    const lines: string[] = [];
    const err = await createNotifier({ ...base, port: s.port, user: 'ratwatch', pass: 'wrong-hunter2' }, (l) => lines.push(l))
      .send(farmAlert())
      .catch((e: Error) => e);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^email: sending mail failed: (EAUTH|SMTP 535)/);
    expect(msg).not.toContain('hunter2');
    expect(msg).not.toMatch(/\n/);
    expect(lines).toEqual([]); // no retry of a rejected login
    expect(s.mails).toHaveLength(1);
  });

  it('retries a temporary 451 and delivers', async () => {
    const s = await smtpSink({}, 1);
    const lines: string[] = [];
    await createNotifier({ ...base, port: s.port }, (l) => lines.push(l)).send(farmAlert());
    expect(s.mails).toHaveLength(1);
    expect(lines).toEqual([expect.stringMatching(/^email: sending mail failed: SMTP 451 .*; retrying in 5 ms \(1\/2\)$/)]);
  });

  it('retries a relay that is down, then reports it in one line', async () => {
    const port = await deadPort();
    const lines: string[] = [];
    const err = await createNotifier({ ...base, port }, (l) => lines.push(l))
      .send(farmAlert())
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^email: sending mail failed: (ESOCKET|ECONNECTION)\b.*\(after 3 attempts\)$/);
    expect((err as Error).message).not.toMatch(/\n/);
    expect(lines).toHaveLength(2);
  });

  it('rejects bad configs in one line', () => {
    expect(() => createNotifier({ ...base, from: 'x\r\nBcc: a@b.example' })).toThrow('email: from is not an email address');
    expect(() => createNotifier({ ...base, to: ['ok@corp.example', 'evil@x.example\r\nBcc: a@b.example'] })).toThrow(
      /^email: to ".*" is not an email address$/,
    );
    expect(() => createNotifier({ ...base, host: 'smtp.corp.example' })).toThrow('email: tls "none" only to a relay on loopback');
    expect(() => createNotifier({ ...base, user: 'x' })).toThrow('email: user and pass go together');
  });
});
