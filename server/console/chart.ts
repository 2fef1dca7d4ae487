// The 30-day trend as an inline SVG drawn on the server: no script, no style attribute (the CSP forbids
// both), colours from the stylesheet's classes. Only numbers and dates (validated) go into the markup.
import type { TrendPoint } from './data.ts';
import { html, type Html } from './html.ts';

const W = 640;
const H = 180;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

function line(points: TrendPoint[], pick: (p: TrendPoint) => number, max: number): string {
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const step = points.length > 1 ? iw / (points.length - 1) : 0;
  return points
    .map((p, i) => {
      const x = PAD.left + i * step;
      const y = PAD.top + ih - (Math.max(0, pick(p)) / max) * ih;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

export function trendChart(points: TrendPoint[]): Html {
  if (points.length === 0) return html`<p class="muted">No reports yet: the trend starts with the first report.</p>`;
  const safe = points.map((p) => ({
    day: /^\d{4}-\d{2}-\d{2}$/.test(p.day) ? p.day : '?',
    findings: Number.isFinite(p.findings) ? p.findings : 0,
    silent: Number.isFinite(p.silent) ? p.silent : 0,
  }));
  const max = Math.max(1, ...safe.map((p) => Math.max(p.findings, p.silent)));
  const first = safe[0];
  const last = safe[safe.length - 1];
  const ih = H - PAD.top - PAD.bottom;
  // The same numbers as a table for screen readers and for people who cannot tell the colours apart
  const rows = safe.map((p) => html`<tr><td>${p.day}</td><td>${p.findings}</td><td>${p.silent}</td></tr>`);
  return html`<figure class="trend">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg">
<title id="trend-title">Open findings and silent hosts per day, ${first.day} to ${last.day}</title>
<line class="axis" x1="${PAD.left}" y1="${PAD.top + ih}" x2="${W - PAD.right}" y2="${PAD.top + ih}"/>
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + ih}"/>
<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}</text>
<text class="tick" x="${PAD.left - 6}" y="${PAD.top + ih}" text-anchor="end">0</text>
<text class="tick" x="${PAD.left}" y="${H - 8}">${first.day}</text>
<text class="tick" x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${last.day}</text>
<polyline class="series-findings" points="${line(safe, (p) => p.findings, max)}"/>
<polyline class="series-silent" points="${line(safe, (p) => p.silent, max)}"/>
</svg>
<figcaption><span class="key key-findings">open findings</span> <span class="key key-silent">silent hosts</span></figcaption>
<details><summary>Trend as a table</summary>
<table><thead><tr><th scope="col">Day</th><th scope="col">Open findings</th><th scope="col">Silent hosts</th></tr></thead><tbody>${rows}</tbody></table>
</details>
</figure>`;
}
