// Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat accept the same): `text` for
// notifications and clients without blocks, Block Kit sections for the rest.
import { checkUrl, postJson } from './http.ts';
import { evidenceLines, plainLine } from './render.ts';
import { delivery, withRetries } from './retry.ts';
import type { Notifier, NotifyAlert, NotifyLog, SlackConfig } from './types.ts';

/**
 * Slack's mrkdwn treats only &, < and > as control characters ("<!channel>", "<url|text>"); escaping those
 * three keeps an agent-supplied host name from pinging a channel or forging a link.
 */
export function slackEscape(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SECTION_MAX = 3000; // Block Kit limit of a section's text

export function slackPayload(a: NotifyAlert): object {
  const head = `*${a.severity.toUpperCase()}* ${slackEscape(plainLine(a.title, 300))}`;
  let body = '';
  for (const line of evidenceLines(a)) {
    const next = `${body}${body ? '\n' : ''}${slackEscape(line)}`;
    if (next.length > SECTION_MAX - 10) {
      body += '\n…';
      break;
    }
    body = next;
  }
  const blocks: object[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    { type: 'section', text: { type: 'mrkdwn', text: body || '-' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(plainLine(`${a.rule} · ${a.subject} · alert ${a.id}`, 300)) }] },
  ];
  if (a.url && /^https?:\/\//.test(a.url) && a.url.length <= 3000) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: a.url }] });
  }
  return { text: `${a.severity.toUpperCase()} ${slackEscape(plainLine(a.title, 300))}`, blocks };
}

export function slackNotifier(c: SlackConfig, log?: NotifyLog): Notifier {
  const name = c.name ?? 'slack';
  const url = checkUrl(c.url, name, c.allowHttp);
  const d = delivery(c, name);
  return {
    name,
    delivery: d,
    async send(alert) {
      const body = JSON.stringify(slackPayload(alert));
      await withRetries(name, d, () => postJson(url, body, {}, d.timeoutMs), log);
    },
  };
}
