// Email over SMTP with nodemailer: plain-text body (no HTML to inject into), header values stripped of
// CR/LF and other control characters so an agent-supplied host name cannot add headers or recipients.
import nodemailer from 'nodemailer';
import { evidenceLines, plainLine, subjectLine } from './render.ts';
import { delivery, withRetries, type Attempt } from './retry.ts';
import { NotifyError, type EmailConfig, type Notifier, type NotifyAlert, type NotifyLog } from './types.ts';

const ADDRESS = /^[^\s@<>()",;:\\]+@[A-Za-z0-9.-]+$/; // a bare addr-spec; display names are not needed here

export function emailText(a: NotifyAlert): string {
  return [
    plainLine(a.title, 300),
    `Severity: ${a.severity}`,
    `Rule: ${a.rule}`,
    `Subject: ${plainLine(a.subject, 200)}`,
    '',
    ...evidenceLines(a),
    '',
    ...(a.url ? [`Open: ${plainLine(a.url, 500)}`] : []),
    `Alert id: ${plainLine(a.id, 100)}`,
    '',
  ].join('\n');
}

/** SMTP codes 4xx and connection-level failures may pass; 5xx and authentication failures will not. */
function judge(e: unknown): Attempt {
  const err = e as { code?: string; responseCode?: number; message?: string };
  const code = err.responseCode;
  const what = code ? `SMTP ${code}` : (err.code ?? 'error');
  const detail = plainLine(err.message ?? '', 160);
  const retry = code ? code >= 400 && code < 500 : err.code !== 'EAUTH' && err.code !== 'EENVELOPE' && err.code !== 'EMESSAGE';
  return { ok: false, reason: `sending mail failed: ${what}${detail ? ` (${detail})` : ''}`, retry };
}

export function emailNotifier(c: EmailConfig, log?: NotifyLog): Notifier {
  const name = c.name ?? 'email';
  const d = delivery(c, name);
  if (typeof c.host !== 'string' || !c.host || /[\s/]/.test(c.host)) throw new NotifyError(`${name}: host is not a host name`);
  if (!ADDRESS.test(c.from ?? '')) throw new NotifyError(`${name}: from is not an email address`);
  if (!Array.isArray(c.to) || !c.to.length || c.to.length > 100) throw new NotifyError(`${name}: to must list 1 to 100 addresses`);
  const bad = c.to.find((t) => !ADDRESS.test(t));
  if (bad !== undefined) throw new NotifyError(`${name}: to ${JSON.stringify(plainLine(bad, 60))} is not an email address`);
  const tls = c.tls ?? 'starttls';
  if (tls === 'none' && !['127.0.0.1', 'localhost', '::1'].includes(c.host)) {
    throw new NotifyError(`${name}: tls "none" only to a relay on loopback`);
  }
  if ((c.user === undefined) !== (c.pass === undefined)) throw new NotifyError(`${name}: user and pass go together`);
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port ?? (tls === 'implicit' ? 465 : 587),
    secure: tls === 'implicit',
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    ...(c.user !== undefined ? { auth: { user: c.user, pass: c.pass } } : {}),
    ...(c.ca ? { tls: { ca: c.ca } } : {}),
    connectionTimeout: d.timeoutMs,
    greetingTimeout: d.timeoutMs,
    socketTimeout: d.timeoutMs,
    logger: false, // its debug log would print the AUTH exchange
  });
  return {
    name,
    delivery: d,
    async send(alert) {
      const message = {
        from: c.from,
        to: c.to,
        subject: subjectLine(alert),
        text: emailText(alert),
        headers: {
          'X-Ratwatch-Alert-Id': plainLine(alert.id, 100),
          'X-Ratwatch-Severity': alert.severity,
          ...(alert.notificationId ? { 'X-Ratwatch-Notification-Id': plainLine(alert.notificationId, 200) } : {}),
        },
        disableFileAccess: true, // nodemailer could otherwise read local files or URLs named in content
        disableUrlAccess: true,
      };
      await withRetries(
        name,
        d,
        async () => {
          try {
            await transport.sendMail(message);
            return { ok: true };
          } catch (e) {
            return judge(e);
          }
        },
        log,
      );
    },
  };
}
