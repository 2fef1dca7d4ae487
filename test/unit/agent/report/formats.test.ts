import { describe, expect, it } from 'vitest';
import { encodeReport } from '../../../../agent/report/encode.ts';
import { toOcsfEvents } from '../../../../agent/report/ocsf.ts';
import { emptyState, planReport } from '../../../../agent/report/plan.ts';
import { finding, scanResult, splitConcatenatedJson } from '../../../helpers/report-helpers.ts';

function reports() {
  const a = finding('anydesk:1', {
    severity: 'critical',
    evidence: [
      {
        type: 'process',
        strength: 'strong',
        pid: 900,
        name: 'sysmond',
        exe: '/tmp/sysmond',
        sha256: 'a'.repeat(64),
        matchedBy: 'hash',
        renamed: true,
        copyOf: '/usr/bin/anydesk',
      },
      {
        type: 'socket',
        strength: 'corroborating',
        proto: 'tcp',
        localAddress: '0.0.0.0',
        localPort: 7070,
        state: 'LISTEN',
        pid: 900,
        process: 'sysmond',
      },
      {
        type: 'device',
        strength: 'strong',
        bus: 'usb',
        vendorId: '1d6b',
        productId: '0104',
        manufacturer: 'PiKVM',
        product: 'Composite KVM Device',
        matchedBy: 'usb-id',
      },
    ],
  });
  const b = finding('rustdesk:1', { severity: 'low', attack: ['T1219', 'T9999'] });
  const first = planReport({
    state: emptyState(),
    result: scanResult([a, b]),
    agentId: 'agent-1',
    reportId: '11111111-1111-4111-8111-111111111111',
    fullStateEvery: 24,
    now: new Date('2026-11-23T10:00:00Z'),
  });
  const second = planReport({
    state: first.state,
    result: scanResult([a]),
    agentId: 'agent-1',
    reportId: '22222222-2222-4222-8222-222222222222',
    fullStateEvery: 24,
    now: new Date('2026-11-23T11:00:00Z'),
  });
  return { full: first.report, delta: second.report };
}

describe('OCSF Detection Finding', () => {
  it('has the required base, finding and detection_finding fields', () => {
    const events = toOcsfEvents(reports().full) as Array<Record<string, any>>;
    expect(events).toHaveLength(2);
    for (const e of events) {
      for (const k of ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid', 'finding_info']) {
        expect(e, k).toHaveProperty(k);
      }
      expect(e).toMatchObject({ class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, is_alert: true });
      expect(e.metadata).toMatchObject({
        version: expect.stringMatching(/^1\.\d+\.\d+$/),
        product: { name: 'ratwatch', vendor_name: 'ratwatch' },
      });
      expect(e.device).toMatchObject({ hostname: 'laptop-7', os: { name: 'Linux', type_id: 200 } });
      expect(e.finding_info.analytic.type_id).toBe(1);
      expect(e.time).toBe(Date.parse('2026-11-23T10:00:00Z'));
    }
    const [a, b] = events;
    expect(a.severity_id).toBe(5);
    expect(b.severity_id).toBe(2);
    expect(a).toMatchObject({
      confidence_id: 3,
      confidence: 'High',
      metadata: { version: '1.8.0', product: { uid: 'ratwatch' }, profiles: ['host'] },
    });
    expect(a.device).toMatchObject({ type_id: 3, type: 'Laptop' });
    expect(a.finding_info).toMatchObject({
      uid: 'anydesk:1',
      title: 'Tool anydesk detected',
      attacks: [{ technique: { uid: 'T1219', name: 'Remote Access Tools' }, tactic: { uid: 'TA0011', name: 'Command and Control' } }],
    });
    // An id outside the table is sent by uid alone, with no invented name or tactic.
    expect(b.finding_info.attacks[1]).toEqual({ technique: { uid: 'T9999' } });
    const sha = { algorithm_id: 3, algorithm: 'SHA-256', value: 'a'.repeat(64) };
    expect(a.evidences).toEqual([
      {
        name: 'process',
        data: {
          type: 'process',
          strength: 'strong',
          pid: 900,
          name: 'sysmond',
          exe: '/tmp/sysmond',
          sha256: 'a'.repeat(64),
          matchedBy: 'hash',
          renamed: true,
          copyOf: '/usr/bin/anydesk',
        },
        process: {
          pid: 900,
          name: 'sysmond',
          file: { name: 'sysmond', path: '/tmp/sysmond', type_id: 1, type: 'Regular File', hashes: [sha] },
        },
      },
      {
        name: 'socket',
        data: {
          type: 'socket',
          strength: 'corroborating',
          proto: 'tcp',
          localAddress: '0.0.0.0',
          localPort: 7070,
          state: 'LISTEN',
          pid: 900,
          process: 'sysmond',
        },
        process: { pid: 900, name: 'sysmond' },
        src_endpoint: { ip: '0.0.0.0', port: 7070 },
        connection_info: {
          direction_id: 1,
          direction: 'Inbound',
          protocol_num: 6,
          protocol_name: 'tcp',
          protocol_ver_id: 4,
          protocol_ver: 'Internet Protocol version 4 (IPv4)',
        },
      },
      {
        name: 'device',
        data: {
          type: 'device',
          strength: 'strong',
          bus: 'usb',
          vendorId: '1d6b',
          productId: '0104',
          manufacturer: 'PiKVM',
          product: 'Composite KVM Device',
          matchedBy: 'usb-id',
        },
        device: {
          type_id: 99,
          type: 'Other',
          name: 'Composite KVM Device',
          vendor_name: 'PiKVM',
          model: 'Composite KVM Device',
          uid: 'usb:1d6b:0104',
        },
      },
    ]);
    expect(a.observables).toEqual(
      expect.arrayContaining([
        { name: 'device.hostname', type_id: 1, type: 'Hostname', value: 'laptop-7' },
        { name: 'evidences.process.name', type_id: 9, type: 'Process Name', value: 'sysmond' },
        { name: 'evidences.process.file.hashes.value', type_id: 8, type: 'Hash', value: 'a'.repeat(64) },
        { name: 'evidences.src_endpoint.ip', type_id: 2, type: 'IP Address', value: '0.0.0.0' },
      ]),
    );
    expect(a.unmapped.state).toBe('running');
    const fileEv = b.evidences.find((x: any) => x.name === 'file');
    expect(fileEv.file).toMatchObject({ name: 'rustdesk.exe', path: 'C:\\Program Files\\rustdesk\\rustdesk.exe' });
    expect(new Set(events.map((e) => e.metadata.uid)).size).toBe(2);
  });

  it('closes resolved findings with activity 3', () => {
    const events = toOcsfEvents(reports().delta) as Array<Record<string, any>>;
    expect(events).toEqual([
      expect.objectContaining({
        activity_id: 3,
        activity_name: 'Close',
        type_uid: 200403,
        status_id: 4,
        severity_id: 2,
        is_alert: false,
        finding_info: expect.objectContaining({ uid: 'rustdesk:1' }),
      }),
    ]);
  });

  it('a full report re-states known findings as Update', () => {
    const { full } = reports();
    const again = { ...full, added: [] };
    expect((toOcsfEvents(again) as Array<{ activity_id: number; type_uid: number }>).map((e) => [e.activity_id, e.type_uid])).toEqual([
      [2, 200402],
      [2, 200402],
    ]);
  });
});

describe('Splunk HEC body', () => {
  it('is concatenated event envelopes, one summary plus one per finding', () => {
    const body = encodeReport(reports().delta, 'splunk-hec').toString();
    const events = splitConcatenatedJson(body) as Array<Record<string, any>>;
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['event', 'fields', 'host', 'source', 'sourcetype', 'time']);
      expect(e).toMatchObject({ host: 'laptop-7', source: 'ratwatch', time: Date.parse('2026-11-23T11:00:00Z') / 1000 });
    }
    expect(events[0]).toMatchObject({
      sourcetype: 'ratwatch:report',
      event: { kind: 'delta', reportId: '22222222-2222-4222-8222-222222222222' },
    });
    expect(events[1]).toMatchObject({ sourcetype: 'ratwatch:finding', event: { action: 'resolved', finding: { id: 'rustdesk:1' } } });
  });

  it('native is the report itself', () => {
    const { full } = reports();
    expect(JSON.parse(encodeReport(full, 'native').toString())).toEqual(full);
  });
});
