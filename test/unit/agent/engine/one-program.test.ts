import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { detect } from '../../../../agent/engine/detect.ts';
import { inventory } from '../../../helpers/builders.ts';

// One program gives one finding, with the real catalog, where entries overlap: TightVNC's tvnserver.exe and
// install folder are listed under TigerVNC too, and MeshCentral's meshagent under Tactical RMM.

const cat = loadCatalog();
const ids = (fs: { tool: { id: string } }[]) => fs.map((f) => f.tool.id);

describe('one program, one finding', () => {
  it('a running TightVNC server is TightVNC only', () => {
    const fs = detect(
      inventory('windows', {
        processes: [{ pid: 2100, name: 'tvnserver.exe', exe: 'C:\\Program Files\\TightVNC\\tvnserver.exe' }],
        packages: [
          { name: 'TightVNC', version: '2.8.81', source: 'uninstall', publisher: 'GlavSoft LLC.', path: 'C:\\Program Files\\TightVNC\\' },
        ],
        services: [
          {
            name: 'tvnserver',
            displayName: 'TightVNC Server',
            source: 'windows-service',
            state: 'Running',
            path: '"C:\\Program Files\\TightVNC\\tvnserver.exe" -service',
          },
        ],
        sockets: [
          {
            proto: 'tcp',
            localAddress: '0.0.0.0',
            localPort: 5900,
            state: 'LISTEN',
            pid: 2100,
            process: 'tvnserver.exe',
            banner: 'RFB 003.008\\n',
          },
        ],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['tightvnc']);
    expect(fs[0].state).toBe('running');
    expect(fs[0].evidence.map((e) => e.type)).toEqual(['process', 'package', 'service', 'socket', 'banner']);
  });

  it('a lone meshagent is MeshCentral, whatever the OS', () => {
    for (const os of ['linux', 'windows'] as const) {
      const name = os === 'windows' ? 'MeshAgent.exe' : 'meshagent';
      expect(ids(detect(inventory(os, { processes: [{ pid: 950, name }] }), cat))).toEqual(['meshcentral']);
    }
  });

  it("meshagent next to Tactical RMM's own agent belongs to Tactical RMM", () => {
    const fs = detect(
      inventory('windows', {
        processes: [
          { pid: 950, name: 'meshagent.exe', exe: 'C:\\Program Files\\Mesh Agent\\MeshAgent.exe' },
          { pid: 951, name: 'tacticalrmm.exe', exe: 'C:\\Program Files\\TacticalAgent\\tacticalrmm.exe' },
        ],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['tactical-rmm']);
    expect(fs[0].evidence.map((e) => e.type === 'process' && e.pid)).toEqual([950, 951]);
  });
});
