import { describe, expect, it } from 'vitest';
import { detect, toolsForName } from '../../../../agent/engine/detect.ts';
import { indexCatalog } from '../../../../agent/engine/index-catalog.ts';
import type { Finding } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// How names name tools (issue 17): executable names cut by the kernel, build-word variants, interpreter
// scripts and product names, each with the input that tells the rule from its removal.

const ids = (fs: Finding[]) => fs.map((f) => f.tool.id);

describe('names the Linux kernel cut to 15 characters', () => {
  // nine tools before the two whose names share their first 15 characters, so their places in the catalog
  // (9 and 10) sort differently as numbers and as text
  const fillers = Array.from({ length: 9 }, (_, i) =>
    tool(`filler-${i}`, { processes: { windows: [], darwin: [], linux: [`filler${i}`] } }),
  );
  const b = tool('rd-b', { processes: { windows: [], darwin: [], linux: ['remotedesktopd-b'] } });
  const a = tool('rd-a', { processes: { windows: [], darwin: [], linux: ['remotedesktopd-a'] } });
  const cat = catalog([...fillers, b, a]);

  it('name every tool whose name starts so, in catalog order, up to the last name of the catalog (one process: one finding)', () => {
    expect(toolsForName(indexCatalog(cat), 'remotedesktopd-', 'linux').map((t) => t.id)).toEqual(['rd-b', 'rd-a']);
    expect(ids(detect(inventory('linux', { processes: [{ pid: 3, name: 'remotedesktopd-' }] }), cat))).toEqual(['rd-a']);
  });

  it('only on Linux, and a blank name is no prefix of every name', () => {
    expect(detect(inventory('windows', { processes: [{ pid: 3, name: 'remotedesktopd-' }] }), cat)).toEqual([]);
    expect(detect(inventory('linux', { processes: [{ pid: 3, name: ' '.repeat(15) }] }), cat)).toEqual([]);
  });
});

describe('names with build words', () => {
  const anydesk = tool('anydesk', { processes: { windows: ['anydesk.exe'], darwin: [], linux: [] } });
  const rustdesk = tool('rustdesk', { processes: { windows: ['rustdesk.exe'], darwin: [], linux: [] } });
  const cat = catalog([anydesk, rustdesk]);

  it('a leading blank does not hide a variant', () => {
    expect(detect(inventory('windows', { processes: [{ pid: 3, name: ' AnyDeskMSI.exe' }] }), cat)[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 3, name: ' AnyDeskMSI.exe', matchedBy: 'name-variant' },
    ]);
  });

  it("a program named as a tool is that tool only, whatever build of another tool its file's name says", () => {
    const fs = detect(inventory('windows', { processes: [{ pid: 3, name: 'AnyDesk.exe', exe: 'C:/T/rustdesk-1.2.exe' }] }), cat);
    expect(ids(fs)).toEqual(['anydesk']);
    // nor does it count as evidence of the other tool when two tools share a package
    const alpha = tool('alpha', { packages: ['Shared Desk'] });
    const rust = tool('rustdesk', { processes: { windows: ['rustdesk.exe'], darwin: [], linux: [] }, packages: ['Shared Desk'] });
    const shared = detect(
      inventory('windows', {
        processes: [{ pid: 3, name: 'AnyDesk.exe', exe: 'C:/T/rustdesk-1.2.exe' }],
        packages: [{ name: 'Shared Desk', source: 'other' }],
      }),
      catalog([anydesk, alpha, rust]),
    );
    expect(ids(shared)).toEqual(['alpha', 'anydesk']);
  });
});

describe('interpreter scripts', () => {
  const xpra = tool('xpra', { scripts: ['xpra'] });
  const sshx = tool('sshx', { category: 'tunnel', scripts: ['sshx'] });
  const cat = catalog([xpra, sshx]);
  const run = (script: { name?: string; path?: string }) =>
    detect(inventory('linux', { processes: [{ pid: 5, name: 'python3', script: { name: 'x', ...script } }] }), cat);

  it('a script name with blanks around it or a .py added is the tool', () => {
    expect(ids(run({ name: 'xpra ' }))).toEqual(['xpra']);
    expect(run({ path: '/usr/bin/xpra.py' })[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 5, name: 'python3', script: '/usr/bin/xpra.py', matchedBy: 'script' },
    ]);
  });

  it('only an extension at the end is dropped', () => {
    expect(run({ path: '/srv/app/ssh.jsx' })).toEqual([]);
  });
});

describe('product names', () => {
  const anydesk = tool('anydesk', { productNames: ['AnyDesk'] });
  const radmin = tool('radmin', { name: 'Radmin', productNames: ['Radmin Server'] });
  const msRemote = tool('ms-remote-x', { name: 'Remote X', productNames: ['Microsoft Remote'] });
  const long = tool('long', { productNames: ['remote one two three four five six seven eight nine ten eleven twelve'] });
  const cat = catalog([anydesk, radmin, msRemote, long]);
  const uninstall = (name: string) => detect(inventory('windows', { packages: [{ name, source: 'uninstall' }] }), cat);

  it('a version resource naming the product with more words is the product', () => {
    const p = { pid: 7, name: 'svc.exe', identity: { pe: { productName: 'AnyDesk Remote Desktop' } } };
    expect(detect(inventory('windows', { processes: [p] }), cat)[0].evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 7,
        name: 'svc.exe',
        productName: 'AnyDesk Remote Desktop',
        matchedBy: 'pe-metadata',
        renamed: true,
      },
    ]);
  });

  it('a version resource whose product name is only a version names nothing', () => {
    expect(
      detect(inventory('windows', { processes: [{ pid: 7, name: 'svc.exe', identity: { pe: { productName: '1.2.3' } } }] }), cat),
    ).toEqual([]);
  });

  it('a name that is, or starts with, everyday software is never a product match', () => {
    expect(ids(uninstall('Microsoft Remote Helper'))).toEqual(['ms-remote-x']);
    expect(uninstall('Microsoft Remote Desktop')).toEqual([]);
    expect(uninstall('Microsoft Remote Desktop Helper')).toEqual([]);
  });

  it('a name is read in its first 256 characters and 12 words', () => {
    expect(ids(uninstall(`Radmin ${' '.repeat(243)}Server`))).toEqual(['radmin']);
    expect(uninstall(`Radmin ${' '.repeat(249)}Server`)).toEqual([]);
    expect(ids(uninstall('Remote One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve'))).toEqual([]);
  });
});
