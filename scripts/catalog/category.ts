import type { Category } from '../../agent/model.ts';
import { CATEGORY_BY_ID } from './aliases.ts';
import type { Draft } from './draft.ts';

// One category per tool: a curated choice first, then what the tool's own description says, then its
// name, then LOLRMM's coarse RMM/RAT label. Most LOLRMM descriptions are a stock sentence calling every
// tool an "RMM tool", which says nothing, so that sentence is removed before looking for keywords.

const BOILERPLATE = [
  /\bis an? remote monitoring and management \(rmm\) tool\.?/gi,
  /more information will be added as it becomes available\.?/gi,
];

const TEXT_RULES: [RegExp, Category][] = [
  [/\btunnel(s|ing)?\b/i, 'tunnel'],
  [/\b(mesh|overlay network|zero[- ]config vpn|vpn)\b/i, 'mesh-vpn'],
  [
    /\b(vnc|rdp|remote desktop|remote control|remote access|remote support|remote assistance|screen[- ]shar\w*|desktop[- ]shar\w*|unattended access|remote view\w*)\b/i,
    'remote-desktop',
  ],
  [/\b(ssh|sftp|telnet|terminal|serial console)\b/i, 'remote-shell'],
  [/\b(rmm|monitoring|endpoint management|patch\w*|deployment|inventory|asset management|it management|mdm|device management)\b/i, 'rmm'],
];

const NAME_RULES: [RegExp, Category][] = [
  [/tunnel/i, 'tunnel'],
  [/putty|ssh|term|shell/i, 'remote-shell'],
  [/vnc|rdp|desk|remote|view|assist|control|support|screen|help|connect|access|anywhere|housecall|\bpc\b/i, 'remote-desktop'],
  [/rmm|monitor|manage|agent/i, 'rmm'],
];

export function categorize(d: Draft): Category {
  if (d.category) return d.category;
  const curated = CATEGORY_BY_ID[d.id];
  if (curated) return curated;
  let text = d.hints.text.join(' ');
  for (const b of BOILERPLATE) text = text.replace(b, ' ');
  // The tool's own name inside its description ("RemoteView is ...") must not decide the category.
  text = text.split(d.name).join(' ');
  for (const [re, cat] of TEXT_RULES) if (re.test(text)) return cat;
  for (const [re, cat] of NAME_RULES) if (re.test(d.name)) return cat;
  if (d.hints.lolrmmCategory === 'RAT') return 'remote-desktop';
  return 'rmm';
}
