// The splunk-hec settings: endpoint.index and endpoint.fields (a mapping in the file, name=value pairs in
// a variable or flag), and the acknowledgment timings, through the one config loader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../agent/config/errors.ts';
import { loadConfig } from '../../../../agent/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'ratwatch-config-hec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fromFile(yaml: string) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return { file, load: () => loadConfig({ file, env: {} }) };
}

describe('endpoint.index and endpoint.fields', () => {
  it('reads a mapping from the file, and name=value pairs from env and flags (flags win)', () => {
    const { file, load } = fromFile('endpoint:\n  format: splunk-hec\n  index: endpoint_sec\n  fields:\n    site: berlin\n    floor: 3\n');
    expect(load().endpoint).toMatchObject({ index: 'endpoint_sec', fields: { site: 'berlin', floor: '3' } });
    const env = loadConfig({ file, env: { RATWATCH_ENDPOINT_FIELDS: 'site=paris, team=secops' } });
    expect(env.endpoint.fields).toEqual({ site: 'paris', team: 'secops' });
    const flag = loadConfig({ file, env: {}, flags: { fields: 'a=1', index: 'main' } });
    expect(flag.endpoint).toMatchObject({ index: 'main', fields: { a: '1' } });
  });

  it('defaults: no index, no fields, a 5 s ack wait, resend after 300 s', () => {
    const c = loadConfig({ env: {} });
    expect(c.endpoint.index).toBeUndefined();
    expect(c.endpoint.fields).toBeUndefined();
    expect(c.endpoint.hecAckWaitMs).toBe(5000);
    expect(c.endpoint.hecAckTimeoutSeconds).toBe(300);
  });

  it.each([
    ['endpoint:\n  index: Main\n', 'endpoint.index must be a Splunk index name'],
    ['endpoint:\n  index: _internal\n', 'endpoint.index must be a Splunk index name'],
    ['endpoint:\n  fields: [a, b]\n', 'endpoint.fields must be a mapping of names to values'],
    ['endpoint:\n  fields:\n    ratwatch_event_id: x\n', 'endpoint.fields must be names other than ratwatch_event_id (reserved)'],
    ['endpoint:\n  fields:\n    sourcetype: x\n', 'endpoint.fields must be names other than sourcetype (reserved)'],
    [
      'endpoint:\n  fields:\n    "9lives": x\n',
      'endpoint.fields must be names of letters, digits and _ starting with a letter (not "9lives")',
    ],
    ['endpoint:\n  fields:\n    site: {a: 1}\n', 'endpoint.fields must be values of 1 to 256 printable characters (site)'],
    ['endpoint:\n  fields:\n    site: "a\\nb"\n', 'endpoint.fields must be values of 1 to 256 printable characters (site)'],
    ['endpoint:\n  hecAckTimeoutSeconds: 1\n', 'endpoint.hecAckTimeoutSeconds must be an integer from 10 to 86400'],
  ])('refuses %j with one line naming the key', (yaml, msg) => {
    const { file, load } = fromFile(yaml);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`config ${file}: ${msg}`);
  });

  it('refuses malformed pairs and too many fields from a variable', () => {
    expect(() => loadConfig({ env: { RATWATCH_ENDPOINT_FIELDS: 'novalue' } })).toThrow(
      'env RATWATCH_ENDPOINT_FIELDS: endpoint.fields must be name=value pairs separated by commas',
    );
    const many = Array.from({ length: 33 }, (_, i) => `f${i}=v`).join(',');
    expect(() => loadConfig({ env: { RATWATCH_ENDPOINT_FIELDS: many } })).toThrow('endpoint.fields must be at most 32 entries');
  });
});
