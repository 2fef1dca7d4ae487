import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TECHNIQUES } from '../../../../agent/engine/rules.ts';
import { ATTACK_TECHNIQUES, attacks } from '../../../../agent/report/ocsf-attack.ts';
import { timezoneOffset } from '../../../../agent/report/ocsf-host.ts';
import { toOcsfEvents } from '../../../../agent/report/ocsf.ts';
import { emptyState, planReport } from '../../../../agent/report/plan.ts';
import { finding, scanResult } from '../../../helpers/report-helpers.ts';
import { ocsfEventsOf, ocsfRuleBreaks, scanInventory } from '../../../helpers/ocsf-events.ts';
import { FIXTURES } from '../../../helpers/paths.ts';

const INVENTORIES = path.join(FIXTURES, 'inventories');

describe('OCSF events of the golden inventories', () => {
  for (const file of readdirSync(INVENTORIES).filter((f) => f.endsWith('.json'))) {
    it(`${file}: every event keeps the object rules`, async () => {
      const result = await scanInventory(path.join(INVENTORIES, file));
      const events = ocsfEventsOf(result);
      const active = result.findings.filter((f) => f.status === 'finding');
      expect(events).toHaveLength(active.length * 2);
      for (const e of events) expect(ocsfRuleBreaks(e), `${file} ${e.finding_info.uid}`).toEqual([]);
      for (const e of events.filter((x) => x.activity_id === 1)) {
        const f = active.find((x) => x.id === e.finding_info.uid)!;
        const processes = f.evidence.filter((x) => x.type === 'process');
        expect(e.evidences.filter((x: any) => x.name === 'process').map((x: any) => x.process.pid)).toEqual(processes.map((p) => p.pid));
        expect(e.device.os.name).toBe({ windows: 'Windows', linux: 'Linux', darwin: 'macOS' }[result.host.os]);
      }
      // A Close carries the finding's own techniques, not a fixed T1219.
      for (const e of events.filter((x) => x.activity_id === 3)) {
        const f = active.find((x) => x.id === e.finding_info.uid)!;
        expect(e.finding_info.attacks).toEqual(attacks(f.attack));
        expect(e).toMatchObject({ status_id: 4, status: 'Resolved' });
      }
    });
  }

  it('puts the host context where OCSF has it and the rest in unmapped, with the OS version', async () => {
    const [win] = ocsfEventsOf(await scanInventory(path.join(INVENTORIES, 'windows-anydesk.json')));
    expect(win.device.os).toEqual({ name: 'Windows', type_id: 100, type: 'Windows', version: '10.0.22631', build: '22631', lang: 'en' });
    expect(win.timezone_offset).toBe(-300); // Eastern Standard Time in December
    expect(win.unmapped.host_context).toEqual({
      timezone: 'Eastern Standard Time',
      locale: 'en-US',
      input_methods: ['0409:00000409'],
      default_gateway_mac: 'a4:2b:b0:c1:d2:e3',
      wifi_ssid: 'NETGEAR47-5G',
      wifi_bssid: 'a4:2b:b0:c1:d2:e5',
    });
    const [mac] = ocsfEventsOf(await scanInventory(path.join(INVENTORIES, 'macos-anydesk.json')));
    expect(mac.device.os).toMatchObject({ name: 'macOS', version: '15.1', kernel_release: '24.1.0', lang: 'en' });
    const [linux] = ocsfEventsOf(await scanInventory(path.join(INVENTORIES, 'linux-live-servers.json')));
    expect(linux.device.os).toEqual({ name: 'Linux', type_id: 200, type: 'Linux', kernel_release: '6.18.44-fc-v1045' });
    expect(linux.timezone_offset).toBe(0);
  });
});

describe('OCSF mapping details', () => {
  it('names every technique the engine emits, with its tactics', () => {
    const emitted = new Set([...Object.values(TECHNIQUES).flat(), 'T1090', 'T1133']); // + engine/signals.ts
    for (const id of emitted) {
      expect(ATTACK_TECHNIQUES[id], id).toBeDefined();
      expect(attacks([id]).every((a: any) => a.technique.name && a.tactic?.uid?.startsWith('TA'))).toBe(true);
    }
    expect(attacks(['T1133'])).toEqual([
      { technique: { uid: 'T1133', name: 'External Remote Services' }, tactic: { uid: 'TA0001', name: 'Initial Access' } },
      { technique: { uid: 'T1133', name: 'External Remote Services' }, tactic: { uid: 'TA0003', name: 'Persistence' } },
    ]);
    expect(attacks(['T1021.005'])).toEqual([
      {
        technique: { uid: 'T1021', name: 'Remote Services' },
        sub_technique: { uid: 'T1021.005', name: 'VNC' },
        tactic: { uid: 'TA0008', name: 'Lateral Movement' },
      },
    ]);
  });

  it('a finding the policy now suppresses or allows closes as Suppressed, with its own techniques', () => {
    const vpn = finding('vpn:1', { tool: { id: 'nordvpn', name: 'NordVPN', category: 'vpn' }, attack: ['T1090'] });
    const now = new Date('2026-12-01T10:00:00Z');
    const first = planReport({
      state: emptyState(),
      result: scanResult([vpn]),
      agentId: 'a',
      reportId: '55555555-5555-4555-8555-555555555555',
      fullStateEvery: 24,
      now,
    });
    for (const status of ['suppressed', 'allowed'] as const) {
      const next = planReport({
        state: first.state,
        result: scanResult([{ ...vpn, status }]),
        agentId: 'a',
        reportId: '66666666-6666-4666-8666-666666666666',
        fullStateEvery: 24,
        now,
      });
      const [close] = toOcsfEvents(next.report) as Array<Record<string, any>>;
      expect(close).toMatchObject({ activity_id: 3, status_id: 3, status: 'Suppressed', status_detail: status });
      expect(close.finding_info.attacks).toEqual([
        { technique: { uid: 'T1090', name: 'Proxy' }, tactic: { uid: 'TA0011', name: 'Command and Control' } },
      ]);
    }
  });

  it('reports failed sources, and a process known only by name keeps no process object', () => {
    const sock = finding('x:1', {
      evidence: [
        {
          type: 'socket',
          strength: 'corroborating',
          proto: 'tcp6',
          localAddress: '::1',
          localPort: 5900,
          state: 'LISTEN',
          process: 'Xvnc',
        },
      ],
    });
    const result = scanResult([sock], {
      sources: [
        { name: 'linux.sockets', ok: true, count: 1, durationMs: 1 },
        { name: 'linux.rpm', ok: false, absent: true, count: 0, durationMs: 1 },
        { name: 'linux.usb', ok: false, error: 'EACCES /sys/bus/usb', count: 0, durationMs: 1 },
      ],
    });
    const [e] = ocsfEventsOf(result);
    expect(e.unmapped.failed_sources).toEqual([{ name: 'linux.usb', error: 'EACCES /sys/bus/usb' }]);
    expect(e.evidences[0].process).toBeUndefined();
    expect(e.evidences[0].connection_info).toMatchObject({ protocol_name: 'tcp', protocol_ver_id: 6, direction_id: 4, direction: 'Local' });
    expect(e).toMatchObject({ confidence_id: 2, confidence: 'Medium' });
  });

  it('gives a time zone offset only for a zone it knows', () => {
    const winter = new Date('2026-12-01T12:00:00Z');
    expect(timezoneOffset('Europe/Berlin', winter)).toBe(60);
    expect(timezoneOffset('Asia/Kolkata', winter)).toBe(330);
    expect(timezoneOffset('W. Europe Standard Time', new Date('2026-07-01T12:00:00Z'))).toBe(120);
    expect(timezoneOffset('Mars/Olympus', winter)).toBeUndefined();
    expect(timezoneOffset(undefined, winter)).toBeUndefined();
  });
});
