import { describe, expect, it } from 'vitest';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Finding, ProcessInfo } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// A process named by what its binary is rather than what it is called (issue 17): reference copies by hash
// and build-id, install folders, PE version resources, bundle ids, Team IDs and signers, broad vendors.

const ids = (fs: Finding[]) => fs.map((f) => f.tool.id);
const sha = 'cd'.repeat(32);

describe('reference copies', () => {
  const x11vnc = tool('x11vnc', { processes: { windows: [], darwin: [], linux: ['x11vnc'] } });
  const lt = tool('localtunnel', { category: 'tunnel', scripts: ['lt.js'] });
  const cat = catalog([x11vnc, lt]);
  const renamed = { pid: 6, name: 'kworker', exe: '/tmp/.k', identity: { sha256: sha } };

  it('a fingerprinted file no tool names does not undo a reference copy with the same hash', () => {
    const inv = inventory('linux', {
      files: [
        { path: '/usr/bin/x11vnc', identity: { sha256: sha } },
        { path: '/var/backups/xb', identity: { sha256: sha } },
      ],
      processes: [renamed],
    });
    expect(detect(inv, cat)[0].evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 6,
        name: 'kworker',
        exe: '/tmp/.k',
        sha256: sha,
        matchedBy: 'hash',
        renamed: true,
        copyOf: '/usr/bin/x11vnc',
      },
    ]);
  });

  it('a reference file fingerprinted without a hash or build-id is the reference for none', () => {
    const inv = inventory('linux', {
      files: [{ path: '/usr/bin/x11vnc', identity: {} }],
      processes: [{ pid: 6, name: 'kworker', exe: '/tmp/.k', identity: { sha256: 'undefined', elfBuildId: 'undefined' } }],
    });
    expect(detect(inv, cat)).toEqual([]);
  });

  it("a copy under the tool's own name is the tool by name, not a renamed copy", () => {
    const inv = inventory('linux', {
      files: [{ path: '/usr/bin/x11vnc', identity: { sha256: sha } }],
      processes: [{ pid: 6, name: 'x11vnc', exe: '/home/u/x11vnc', identity: { sha256: sha } }],
    });
    expect(detect(inv, cat)[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 6, name: 'x11vnc', exe: '/home/u/x11vnc', sha256: sha, matchedBy: 'name' },
    ]);
  });

  it("a script copied under the script's own name is the tool by its script, not a renamed copy", () => {
    const inv = inventory('linux', {
      files: [{ path: '/usr/lib/node_modules/localtunnel/bin/lt.js', identity: { sha256: sha } }],
      processes: [{ pid: 8, name: 'node', script: { name: 'lt.js', path: '/home/u/lt.js', identity: { sha256: sha } } }],
    });
    expect(detect(inv, cat)[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 8, name: 'node', script: '/home/u/lt.js', matchedBy: 'script' },
    ]);
  });

  it('a reference file running from where it lies is no renamed copy of itself', () => {
    const inv = inventory('linux', {
      files: [{ path: '/opt/lt/lt.js', identity: { sha256: sha } }],
      processes: [{ pid: 8, name: 'node', exe: '/opt/lt/lt.js', identity: { sha256: sha } }],
    });
    expect(detect(inv, cat)).toEqual([]);
  });

  it('a program whose file has a tool name is that tool, whatever the process calls itself', () => {
    expect(detect(inventory('linux', { processes: [{ pid: 2, name: 'Xvnc', exe: '/usr/bin/x11vnc' }] }), cat)[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 2, name: 'Xvnc', exe: '/usr/bin/x11vnc', matchedBy: 'name' },
    ]);
  });
});

describe('install folders', () => {
  const remotepc = tool('remotepc', { paths: ['C:/Program Files/RemotePC/*'] });
  const cat = catalog([remotepc]);

  it('a program under the tool folder, spelt with backslashes and capitals, is the tool', () => {
    const exe = 'C:\\Program Files\\RemotePC\\svc.exe';
    expect(detect(inventory('windows', { processes: [{ pid: 4, name: 'svc.exe', exe }] }), cat)[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 4, name: 'svc.exe', exe, matchedBy: 'path' },
    ]);
    expect(
      detect(inventory('windows', { processes: [{ pid: 4, name: 'svc.exe', exe: 'C:\\Program Files\\Other\\svc.exe' }] }), cat),
    ).toEqual([]);
  });
});

describe('version resources, bundle ids, Team IDs, signers', () => {
  const tight = tool('tightvnc', {
    processes: { windows: ['tightvnc.exe'], darwin: [], linux: [] },
    peOriginalFilenames: ['TVNServer.exe'],
  });
  const ultra = tool('ultravnc', { processes: { windows: ['winvnc.exe'], darwin: [], linux: [] } });
  const anydesk = tool('anydesk', { processes: { windows: [], darwin: ['anydesk'], linux: [] }, teamIds: ['JDX4N8VD9Y'] });
  const qa = tool('quick-assist', {
    processes: { windows: ['quickassist.exe'], darwin: [], linux: [] },
    signers: ['microsoft corporation'],
    teamIds: ['UBF8T346G9'],
  });
  const cat = catalog([tight, ultra, anydesk, qa]);
  const win = (processes: ProcessInfo[]) => detect(inventory('windows', { processes }), cat);

  it('an OriginalFilename the catalog lists, or a process name of a tool, names the renamed binary', () => {
    expect(ids(win([{ pid: 1, name: 'svc.exe', identity: { pe: { originalFilename: 'TVNServer.exe' } } }]))).toEqual(['tightvnc']);
    expect(ids(win([{ pid: 1, name: 'svc.exe', identity: { pe: { originalFilename: 'WinVNC.exe' } } }]))).toEqual(['ultravnc']);
    expect(win([{ pid: 1, name: 'svc.exe', identity: { pe: { originalFilename: 'notepad.exe' } } }])).toEqual([]);
  });

  it('a vendor Team ID names its tool, with the evidence saying so; an unknown one names nothing', () => {
    const fs = detect(inventory('darwin', { processes: [{ pid: 9, name: 'helper', identity: { teamId: 'jdx4n8vd9y' } }] }), cat);
    expect(fs[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 9, name: 'helper', teamId: 'jdx4n8vd9y', matchedBy: 'team-id' },
    ]);
    expect(detect(inventory('darwin', { processes: [{ pid: 9, name: 'helper', identity: { teamId: 'ABCDE12345' } }] }), cat)).toEqual([]);
    expect(
      detect(inventory('darwin', { processes: [{ pid: 9, name: 'helper', identity: { bundleId: 'com.example.helper' } }] }), cat),
    ).toEqual([]);
  });

  it('an unknown signer or company names nothing', () => {
    expect(
      win([{ pid: 1, name: 'svc.exe', identity: { signer: 'CN=Unknown Vendor Ltd', pe: { companyName: 'Unknown Vendor Ltd' } } }]),
    ).toEqual([]);
  });

  it("a broad vendor's program beside the tool's own adds nothing to the finding", () => {
    const fs = win([
      { pid: 1, name: 'QuickAssist.exe' },
      {
        pid: 2,
        name: 'Teams.exe',
        identity: { signer: 'CN=Microsoft Corporation', teamId: 'UBF8T346G9', pe: { companyName: 'Microsoft Corporation' } },
      },
    ]);
    expect(fs.map((f) => [f.tool.id, f.evidence])).toEqual([
      ['quick-assist', [{ type: 'process', strength: 'strong', pid: 1, name: 'QuickAssist.exe', matchedBy: 'name' }]],
    ]);
  });

  it("a build of the tool signed by a broad vendor stays the tool's by its name", () => {
    const fs = win([{ pid: 3, name: 'QuickAssist_x64.exe', identity: { pe: { companyName: 'Microsoft Corporation' } } }]);
    expect(fs[0].evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 3,
        name: 'QuickAssist_x64.exe',
        companyName: 'Microsoft Corporation',
        matchedBy: 'name-variant',
      },
    ]);
  });
});
