import { TECHNIQUES } from '../engine/rules.ts';
import type { Category } from '../model.ts';

// MITRE ATT&CK names (Enterprise matrix, v17: T1219 was retitled "Remote Access Tools" and given the
// sub-techniques .001-.003) for every technique the engine emits (engine/rules.ts TECHNIQUES) and the
// sub-techniques a catalog entry may name. A technique under several tactics gives one OCSF `attack`
// per tactic, since objects/attack.json holds a single `tactic`.

const C2 = { uid: 'TA0011', name: 'Command and Control' };
const INITIAL_ACCESS = { uid: 'TA0001', name: 'Initial Access' };
const PERSISTENCE = { uid: 'TA0003', name: 'Persistence' };
const LATERAL = { uid: 'TA0008', name: 'Lateral Movement' };

interface Technique {
  name: string;
  tactics: Array<{ uid: string; name: string }>;
}

export const ATTACK_TECHNIQUES: Record<string, Technique> = {
  T1219: { name: 'Remote Access Tools', tactics: [C2] },
  T1021: { name: 'Remote Services', tactics: [LATERAL] },
  T1200: { name: 'Hardware Additions', tactics: [INITIAL_ACCESS] },
  T1090: { name: 'Proxy', tactics: [C2] },
  T1572: { name: 'Protocol Tunneling', tactics: [C2] },
  T1133: { name: 'External Remote Services', tactics: [INITIAL_ACCESS, PERSISTENCE] },
};

export const ATTACK_SUB_TECHNIQUES: Record<string, string> = {
  'T1219.001': 'IDE Tunneling',
  'T1219.002': 'Remote Desktop Software',
  'T1219.003': 'Remote Access Hardware',
  'T1021.001': 'Remote Desktop Protocol',
  'T1021.004': 'SSH',
  'T1021.005': 'VNC',
};

const ID = /^T\d{4}(\.\d{3})?$/;

/** OCSF attack objects for technique ids; an id outside the tables is sent by uid alone. */
export function attacks(ids: readonly string[]): object[] {
  const out: object[] = [];
  for (const uid of new Set(ids)) {
    if (!ID.test(uid)) continue;
    const parent = uid.slice(0, 5);
    const known = ATTACK_TECHNIQUES[parent];
    const technique = known ? { uid: parent, name: known.name } : { uid: parent };
    const sub = uid.length > 5 ? { sub_technique: ATTACK_SUB_TECHNIQUES[uid] ? { uid, name: ATTACK_SUB_TECHNIQUES[uid] } : { uid } } : {};
    if (!known) out.push({ technique, ...sub });
    else for (const tactic of known.tactics) out.push({ technique, ...sub, tactic });
  }
  return out;
}

/** The techniques of a category, for a resolved finding whose own list the report no longer carries. */
export function categoryTechniques(category: Category): string[] {
  return TECHNIQUES[category] ?? ['T1219'];
}
