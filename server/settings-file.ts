import { errorLine } from '../agent/log-line.ts';
import { clean } from '../agent/text.ts';
import fs from 'node:fs';
import type { FarmSettings } from './farm/index.ts';
import type { NotifierConfig } from './notify/index.ts';
import type { SiemConfig } from './siem/types.ts';

// `--settings <file>`: JSON { "farm": {...server/farm FarmSettings...}, "notifiers": [...server/notify configs...],
// "siem": [...server/siem sink configs...] }. The farm part seeds the database on first start (the console
// edits it afterwards); the notifiers and SIEM sinks are always on. Values are checked by farmSettings(),
// createNotifiers() and createSiemSinks() at start, each with a one-line error.

const MAX_BYTES = 16 * 1024 * 1024; // a large expected-regions table still fits

export function readSettingsFile(file: string): {
  farm?: Partial<FarmSettings> | undefined;
  notifiers?: NotifierConfig[] | undefined;
  siem?: SiemConfig[];
} {
  const shown = clean(file, 300); // a path may hold any byte but '/' and NUL: one line, escaped
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`settings file ${shown}: ${errorLine(e)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`settings file ${shown}: not JSON (${errorLine(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`settings file ${shown}: not a JSON object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'farm' && k !== 'notifiers' && k !== 'siem')
      throw new Error(`settings file ${shown}: unknown key ${JSON.stringify(k.slice(0, 40))} (farm, notifiers, siem)`);
  if (o.farm !== undefined && (typeof o.farm !== 'object' || o.farm === null || Array.isArray(o.farm)))
    throw new Error(`settings file ${shown}: farm is not an object`);
  if (o.notifiers !== undefined && !Array.isArray(o.notifiers)) throw new Error(`settings file ${shown}: notifiers is not a list`);
  if (o.siem !== undefined && !Array.isArray(o.siem)) throw new Error(`settings file ${shown}: siem is not a list`);
  return {
    farm: o.farm as Partial<FarmSettings> | undefined,
    notifiers: o.notifiers as NotifierConfig[] | undefined,
    ...(o.siem !== undefined ? { siem: o.siem as SiemConfig[] } : {}),
  };
}
