// The console's pure pieces: the one escape function and the template on top of it, evidence and chart
// rendering, CSV out and in, multipart forms, the sign-in limiter and the settings checks.
import { describe, expect, it } from 'vitest';
import { trendChart } from '../../../../server/console/chart.ts';
import { csvCell, hostCsvLine, parseExpectedRegions } from '../../../../server/console/csv.ts';
import { checkNotifierTarget, checkOfficeValue } from '../../../../server/console/form-checks.ts';
import { esc, html } from '../../../../server/console/html.ts';
import { evidenceItem } from '../../../../server/console/pages/host.ts';
import { LoginRateLimiter } from '../../../../server/console/rate-limit.ts';
import { parseMultipart } from '../../../../server/console/request.ts';
import { HOSTILE_NAME } from '../../../helpers/console-fleet.ts';

describe('esc and html', () => {
  it('turns markup, quotes and control characters into visible text', () => {
    expect(esc(HOSTILE_NAME)).toBe('&lt;img src=x onerror=alert(1)&gt;&quot;\\x1b[31m');
    expect(esc("a'b`c&d")).toBe('a&#39;b&#96;c&amp;d');
    expect(esc('x\u202Eexe.txt\nnext')).toBe('x\\u202eexe.txt\\nnext');
    expect(esc(undefined)).toBe('');
    expect(esc(42)).toBe('42');
    expect(esc({ a: '<b>' })).toBe('{&quot;a&quot;:&quot;&lt;b&gt;&quot;}');
  });

  it('bounds what one value can cost', () => {
    const shown = esc('<'.repeat(1_000_000));
    expect(shown.length).toBeLessThan(4096 * 4 + 10);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('escapes every interpolated value once, nested templates not again', () => {
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<p title="${'"x"'}">${inner}${['<a>', inner]}${false}${0}</p>`;
    expect(out.value).toBe('<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;a&gt;<b>&lt;i&gt;</b>0</p>');
  });
});

describe('evidence and chart rendering', () => {
  it('renders every field of a structured evidence item, hostile names and values as text', () => {
    const out = evidenceItem({
      type: 'process<script>',
      strength: 'strong',
      pid: 7,
      name: HOSTILE_NAME,
      '<b onclick=x>': 'v',
      renamed: true,
      args: ['a', '<b>'],
    }).value;
    expect(out).not.toMatch(/<script|<b[ >]|<img/);
    expect(out).toContain('process&lt;script&gt;');
    expect(out).toContain('<dt>pid</dt><dd><code>7</code></dd>');
    expect(out).toContain('<dt>renamed</dt><dd>yes</dd>');
    expect(out).toContain('&lt;b onclick=x&gt;');
    expect(out).toContain('<code>&lt;b&gt;</code>');
  });

  it('draws the trend from numbers only', () => {
    const svg = trendChart([
      { day: '2026-11-30', findings: 3, silent: 1 },
      { day: '<script>', findings: Number.NaN, silent: 2 },
    ]).value;
    expect(svg).toContain('<svg');
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/style=/);
    expect(svg).toContain('<td>?</td><td>0</td><td>2</td>');
    expect(trendChart([]).value).toContain('No reports yet');
  });
});

describe('CSV', () => {
  it('quotes every cell and defuses spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-1+2')).toBe(`"'-1+2"`);
    expect(csvCell('plain, text')).toBe('"plain, text"');
    expect(csvCell(undefined)).toBe('""');
    const line = hostCsvLine({
      agentId: 'a',
      hostname: HOSTILE_NAME,
      os: 'linux',
      status: 'online',
      firstSeen: 'f',
      lastSeen: 'l',
      openFindings: 2,
      tools: ['A', 'B'],
    });
    expect(line).toBe(`"a","<img src=x onerror=alert(1)>""\\x1b[31m","","linux","","","online","","2","A; B","","f","l"\r\n`);
  });

  it('reads the expected-regions CSV and names the first bad line', () => {
    expect(
      parseExpectedRegions('\ufeffUser,Countries,Timezones\r\n"smith, j",de at,Europe/Berlin\r\n\r\nbob,,America/New_York\r\n'),
    ).toEqual({
      rows: [
        { user: 'smith, j', countries: ['DE', 'AT'], timezones: ['Europe/Berlin'] },
        { user: 'bob', countries: [], timezones: ['America/New_York'] },
      ],
    });
    // The farm's one parser of this file: user,countries,timezones in that order, the header optional.
    expect(parseExpectedRegions('name,country\nbob,DE')).toEqual({
      error: 'Line 1: country "COUNTRY" is not an ISO 3166 two-letter code.',
    });
    expect(parseExpectedRegions('user,countries\nbob,DE\nBOB,FR')).toEqual({ error: 'Line 3: user "bob" already has a row.' });
    expect(parseExpectedRegions('user,countries,timezones\nbob,,"Europe/Berlin<x>"')).toEqual({
      error: 'Line 2: time zone "Europe/Berlin<x>" is not an IANA name or Windows ID.',
    });
    expect(parseExpectedRegions('user,countries\nbob,')).toEqual({ error: 'Line 2: user "bob" has neither countries nor time zones.' });
    expect(parseExpectedRegions('user,countries\n')).toEqual({ error: 'The file has no rows.' });
    expect(parseExpectedRegions('# from HR\nCORP\\Alice,US;CA,Eastern Standard Time\n')).toEqual({
      rows: [{ user: 'alice', countries: ['US', 'CA'], timezones: ['Eastern Standard Time'] }],
    });
  });
});

describe('multipart forms', () => {
  it('reads the fields and the file of a form encoded by a real FormData encoder', async () => {
    const fd = new FormData();
    fd.set('_csrf', 'tok');
    fd.set('csv', new Blob(['user,countries\r\nbob,DE\r\n'], { type: 'text/csv' }), 'regions.csv');
    const res = new Response(fd);
    const boundary = /boundary=(.+)$/.exec(res.headers.get('content-type')!)![1];
    const form = parseMultipart(Buffer.from(await res.arrayBuffer()), boundary);
    expect(form.fields.get('_csrf')).toBe('tok');
    expect(form.files.get('csv')).toEqual({ filename: 'regions.csv', content: 'user,countries\r\nbob,DE\r\n' });
  });

  it('refuses a malformed body with a one-line error', () => {
    expect(() => parseMultipart(Buffer.from('garbage'), 'b')).toThrow('Malformed multipart form.');
    expect(() => parseMultipart(Buffer.from('--b\r\nno blank line--b--'), 'b')).toThrow('Malformed multipart form.');
  });
});

describe('sign-in limiter', () => {
  it('blocks an address and a user name after 5 failures until the window has passed', () => {
    const l = new LoginRateLimiter({ max: 5, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      expect(l.retryAfter('1.2.3.4', 'alice', 1000 + i)).toBe(0);
      l.fail('1.2.3.4', 'alice', 1000 + i);
    }
    expect(l.retryAfter('1.2.3.4', 'alice', 2000)).toBe(59);
    expect(l.retryAfter('1.2.3.4', 'bob', 2000)).toBe(59); // same address
    expect(l.retryAfter('5.6.7.8', 'ALICE', 2000)).toBe(59); // same account, case-insensitive
    expect(l.retryAfter('5.6.7.8', 'bob', 2000)).toBe(0);
    expect(l.retryAfter('1.2.3.4', 'alice', 61_005)).toBe(0);
  });
});

describe('settings checks', () => {
  it('accepts addresses, ranges and MACs and explains what is wrong', () => {
    expect(checkOfficeValue('cidr', '203.0.113.0/24')).toBeUndefined();
    expect(checkOfficeValue('vpn-egress', '2001:db8::/48')).toBeUndefined();
    expect(checkOfficeValue('cidr', '198.51.100.7')).toBeUndefined();
    expect(checkOfficeValue('cidr', '10.0.0.0/33')).toMatch(/bad prefix length: give an address or a CIDR range/);
    expect(checkOfficeValue('cidr', '10.0.0.0/8/1')).toMatch(/not an IP address/);
    expect(checkOfficeValue('gateway-mac', 'AA-BB-CC-DD-EE-FF')).toBeUndefined();
    expect(checkOfficeValue('bssid', 'aabb.ccdd.eeff')).toBeUndefined();
    expect(checkOfficeValue('bssid', 'aa:bb:cc')).toMatch(/not a MAC address/);
    expect(checkNotifierTarget('email', 'it@example.com')).toBeUndefined();
    expect(checkNotifierTarget('webhook', 'javascript:alert(1)')).toMatch(/https:\/\/ or http:\/\//);
    expect(checkNotifierTarget('slack', 'not a url')).toBe('The webhook URL is not valid.');
  });
});

describe('host timeline', () => {
  it("words the server store's event types, tamper signs apart, and lists the detail of unknown ones", async () => {
    const { hostPage } = await import('../../../../server/console/pages/host.ts');
    const now = new Date('2026-12-01T12:00:00Z');
    const at = '2026-12-01T11:00:00Z';
    const out = hostPage(
      { user: { name: 'v', role: 'viewer' }, csrf: 't', base: '', now },
      {
        agentId: 'a1',
        hostname: 'h',
        os: 'linux',
        status: 'online',
        firstSeen: at,
        lastSeen: at,
        openFindings: 0,
        tools: [],
        context: { timezone: 'Asia/Pyongyang' },
        groups: [],
        privileged: false,
        findings: [
          {
            findingId: 'f1',
            tool: { id: 'anydesk', name: 'AnyDesk', category: 'remote-desktop' },
            severity: 'high',
            firstSeen: at,
            lastSeen: at,
            resolvedAt: at,
            evidence: ['old text evidence'],
          },
        ],
        timeline: [
          { at, type: 'finding-new', detail: { findingId: 'f1', tool: { id: 'anydesk', name: 'AnyDesk' }, severity: 'high' } },
          { at, type: 'finding-resolved', detail: { findingId: 'f1', reason: 'absent' } },
          { at, type: 'context-changed', detail: { wifiBssid: { from: null, to: 'aa:bb:cc:dd:ee:ff' } } },
          { at, type: 'sequence-gap', detail: { missingFrom: 5, missingTo: 7 } },
          { at, type: 'agent-downgrade', detail: { from: '0.2.0', to: '0.1.0' } },
          { at, type: 'future-event', detail: { x: '<b>' } },
        ],
      },
    ).value;
    expect(out).toContain('<strong>AnyDesk</strong> appeared');
    expect(out).toContain('<strong>AnyDesk</strong> resolved (absent)');
    expect(out).toContain('wifi bssid changed from <code>none</code> to <code>aa:bb:cc:dd:ee:ff</code>');
    expect(out).toContain('<strong>3</strong> reports missing (sequence 5 to 7)');
    expect(out).toContain('<strong>tamper sign</strong>: the agent was downgraded');
    expect(out).toContain('future-event <span class="muted">(x <code>&lt;b&gt;</code>)</span>');
    expect(out).toContain('last scan not privileged');
    expect(out).toContain('<code>old text evidence</code>');
    expect(out).not.toContain('Revoke this agent'); // a viewer gets no admin form
  });
});
