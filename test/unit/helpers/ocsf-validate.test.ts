import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchema, validateEvent } from '../../helpers/ocsf-validate.ts';
import { FIXTURES } from '../../helpers/paths.ts';

// The validator's rules, each shown on the miniature schema in test/fixtures/ocsf-format (OCSF's own
// source layout): a rule the validator did not apply would let a broken event through unnoticed.

const schema = loadSchema(path.join(FIXTURES, 'ocsf-format'));

function event(over: Record<string, unknown> = {}): Record<string, any> {
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    time: 1764000000000,
    metadata: { version: '9.9.9', product: { name: 'ratwatch' }, profiles: ['host'] },
    finding_info: 'x',
    device: { type_id: 3, type: 'Laptop', hostname: 'laptop-7', ip: '10.0.0.7' },
    process: { pid: 42, name: 'x11vnc', file: { name: 'x11vnc', hash: 'ab' } },
    ...over,
  };
}

const errorsOf = (e: Record<string, unknown>) => validateEvent(schema, e).errors;

describe('OCSF validator', () => {
  it('accepts a conforming event and resolves extends, $include and the class enum merged with the dictionary', () => {
    expect(errorsOf(event())).toEqual([]);
    expect(errorsOf(event({ activity_id: 99, activity_name: 'Snooze', type_uid: 200499, type_name: undefined }))).toEqual([]);
    const cls = schema.classes.detection_finding;
    expect(Object.keys(cls.attributes.activity_id.enum!).sort()).toEqual(['0', '1', '3', '99']);
    expect(cls.attributes.device.profile).toBe('host');
    expect(schema.objects.process.constraints).toEqual({ at_least_one: ['pid', 'uid'] });
  });

  it('finds missing required attributes, unknown attributes and wrong class arithmetic', () => {
    const e = event({ type_uid: 200402, extra: 1 });
    delete e.time;
    delete e.metadata.product;
    expect(errorsOf(e)).toEqual(
      expect.arrayContaining([
        'time: required by detection_finding',
        'metadata.product: required by metadata',
        'extra: not an attribute of detection_finding',
        'type_uid: 200402, expected 200401',
      ]),
    );
    expect(errorsOf(event({ class_uid: 2099 }))[0]).toMatch(/no such class/);
    expect(errorsOf(event({ metadata: { version: '1.3.0', product: { name: 'r' }, profiles: ['host'] } }))).toEqual([
      'metadata.version: "1.3.0", this schema is 9.9.9',
    ]);
  });

  it('checks types and their constraints through the base type chain', () => {
    expect(errorsOf(event({ time: '2026-11-23' }))).toEqual(['time: expected an integer, got "2026-11-23" (timestamp_t)']);
    expect(errorsOf(event({ activity_id: 2 ** 31, type_uid: 2004 * 100 + 2 ** 31 }))[0]).toMatch(/32-bit integer/);
    expect(errorsOf(event({ device: { type_id: 3, ip: '10.0.0.300' } }))).toEqual(['device.ip: not an IP address (ip_t)']);
    expect(errorsOf(event({ device: { type_id: 3, hostname: 'bad host!' } }))[0]).toMatch(/^device\.hostname: does not match/);
    expect(errorsOf(event({ metadata: { version: '9.9.9', product: { name: 'r' }, profiles: 'host' } }))).toContain(
      'metadata.profiles: expected an array',
    );
    expect(errorsOf(event({ unmapped: [1] }))).toEqual(['unmapped: not an array attribute']);
  });

  it('checks enum values and the caption of their sibling', () => {
    expect(errorsOf(event({ device: { type_id: 7 } }))).toEqual(['device.type_id: 7 is not in the type_id enum']);
    expect(errorsOf(event({ device: { type_id: 3, type: 'Desktop' } }))).toEqual([
      'device.type: "Desktop" is not the caption of type_id 3 ("Laptop")',
    ]);
    expect(errorsOf(event({ device: { type_id: 99, type: 'Docking station' } }))).toEqual([]);
  });

  it('applies object constraints: at_least_one and just_one', () => {
    expect(errorsOf(event({ process: { name: 'x11vnc' } }))).toEqual(['process: process needs at least one of pid, uid']);
    expect(errorsOf(event({ process: { pid: 1, file: { name: 'f', hash: 'a', link: 'b' } } }))).toEqual([
      'process.file: file needs exactly one of hash, link',
    ]);
    expect(errorsOf(event({ metadata: { version: '9.9.9', product: {}, profiles: ['host'] } }))).toEqual([
      'metadata.product: product needs at least one of name, uid',
    ]);
  });

  it('refuses profile attributes the event does not declare, and warns on deprecated and missing recommended ones', () => {
    expect(errorsOf(event({ metadata: { version: '9.9.9', product: { name: 'r' } } }))).toEqual([
      'device: belongs to profile host, not in metadata.profiles',
    ]);
    const v = validateEvent(schema, event({ old_field: 'x', process: undefined }));
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual(expect.arrayContaining(['old_field: deprecated', 'process: recommended by detection_finding']));
  });
});
