import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Inventory } from '../../../../agent/model.ts';
import { inventory } from '../../../helpers/builders.ts';

// The engine with the real, committed catalog: what a laptop really runs must not be called remote access,
// and the tools of the laptop-farm scheme must be, by the names they really install under.

const catalog = loadCatalog();
const ids = (inv: Inventory) =>
  detect(inv, catalog)
    .filter((f) => f.severity !== 'info')
    .map((f) => f.tool.id)
    .sort();

describe('no false positives on everyday software', () => {
  it('ignores VNC libraries, terminal multiplexers and the usual Linux desktop', () => {
    const pkgs = [
      'libvncserver1',
      'libvncclient1',
      'libvncserver-dev',
      'screen',
      'tmux',
      'openssh-client',
      'remmina-common',
      'vinagre',
      'gnome-remote-desktop',
      'vino',
      'krfb',
      'xserver-xorg',
      'xvfb',
      'teams-for-linux',
      'zoom',
      'slack-desktop',
      'google-chrome-stable',
      'firefox-esr',
      'code',
      'docker-ce',
      'openvpn',
      'wireguard-tools',
    ];
    const procs = [
      'screen',
      'SCREEN',
      'tmux: server',
      'tmux',
      'ssh',
      'Xorg',
      'Xvfb',
      'gnome-shell',
      'teams-for-linux',
      'zoom',
      'slack',
      'chrome',
      'code',
      'dockerd',
      'containerd',
      'systemd',
      'sshd',
    ];
    const inv = inventory('linux', {
      packages: pkgs.map((name) => ({ name, source: 'dpkg' as const })),
      processes: procs.map((name, i) => ({ pid: 100 + i, name })),
    });
    expect(ids(inv)).toEqual([]);
  });

  it('ignores Teams, Zoom, Slack, Office, OneDrive, Edge and Windows itself', () => {
    const procs = [
      'ms-teams.exe',
      'Teams.exe',
      'Zoom.exe',
      'slack.exe',
      'WINWORD.EXE',
      'OUTLOOK.EXE',
      'OneDrive.exe',
      'msedge.exe',
      'chrome.exe',
      'svchost.exe',
      'explorer.exe',
      'MsMpEng.exe',
      'RuntimeBroker.exe',
      'mstsc.exe',
      'powershell.exe',
      'conhost.exe',
      'RAServer.exe_not_running',
    ];
    const inv = inventory('windows', {
      processes: procs.map((name, i) => ({
        pid: 1000 + i,
        name,
        exe: `C:\\Program Files\\Vendor\\${name}`,
        identity: { signer: 'Microsoft Corporation' },
      })),
      packages: [
        'Microsoft Teams',
        'Zoom Workplace (64-bit)',
        'Slack (Machine - MSI)',
        'Microsoft 365 Apps for enterprise - en-us',
        'Microsoft OneDrive',
        'Google Chrome',
        'Microsoft Edge',
      ].map((name) => ({ name, source: 'uninstall' as const })),
      services: [
        { name: 'TermService', source: 'windows-service' as const, state: 'Running' },
        { name: 'RemoteRegistry', source: 'windows-service' as const },
      ],
      settings: [{ key: 'rdp.enabled', value: false, source: 'reg' }],
    });
    expect(ids(inv)).toEqual([]);
  });

  it('ignores Google Chrome on a Mac although Google signs Chrome Remote Desktop too', () => {
    const inv = inventory('darwin', {
      processes: [
        {
          pid: 1,
          name: 'Google Chrome',
          exe: '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
          identity: { teamId: 'EQHXZ8M8AV', signer: 'Developer ID Application: Google LLC (EQHXZ8M8AV)', bundleId: 'com.google.Chrome' },
        },
      ],
      packages: [
        { name: 'Google Chrome', source: 'app', bundleId: 'com.google.Chrome', path: '/Applications/Google Chrome.app' },
        { name: 'Microsoft Teams', source: 'app', bundleId: 'com.microsoft.teams2' },
        { name: 'zoom.us', source: 'app', bundleId: 'us.zoom.xos' },
      ],
    });
    expect(ids(inv)).toEqual([]);
  });

  it("ignores apps whose publisher also makes a remote tool, and GoTo Meeting's launcher", () => {
    // LOLRMM names these signers under HelpWire, Comodo RMM/Itarian and Tactical RMM; each signs unrelated software
    const signed = [
      { name: 'Elmedia Player', signer: 'Developer ID Application: Electronic Team, Inc. (A2M4K5V8ZB)' },
      { name: 'cis.exe', signer: 'CN=Comodo Security Solutions, Inc., O=Comodo Security Solutions, Inc., C=US' },
      { name: 'putty.exe', signer: 'CN=Christopher West, O=Christopher West, L=London, C=GB' },
    ];
    const inv = inventory('windows', {
      processes: [
        ...signed.map(({ name, signer }, i) => ({ pid: 10 + i, name, exe: `C:\\Tools\\${name}`, identity: { signer } })),
        { pid: 20, name: 'GoTo Opener.exe', exe: 'C:\\Users\\bob\\AppData\\Local\\GoTo Opener\\GoTo Opener.exe' },
      ],
      packages: [{ name: 'GoTo Opener', source: 'uninstall' }],
    });
    expect(ids(inv)).toEqual([]);
  });
});

describe('the laptop-farm toolbox, by the names it installs under', () => {
  it('finds remote desktops, tunnels and VPNs on Linux', () => {
    const inv = inventory('linux', {
      packages: [
        { name: 'anydesk', source: 'dpkg' },
        { name: 'teamviewer', source: 'dpkg' },
        { name: 'com.rustdesk.RustDesk', source: 'flatpak', bundleId: 'com.rustdesk.RustDesk' },
      ],
      processes: [
        { pid: 1, name: 'ngrok' },
        { pid: 2, name: 'cloudflared' },
        { pid: 3, name: 'tailscaled' },
        { pid: 4, name: 'zerotier-one' },
        { pid: 5, name: 'frpc' },
        { pid: 6, name: 'x11vnc' },
      ],
    });
    expect(ids(inv)).toEqual(['anydesk', 'cloudflare-tunnel', 'frp', 'ngrok', 'rustdesk', 'tailscale', 'teamviewer', 'x11vnc', 'zerotier']);
  });

  it('finds IP-KVM hardware by USB id with its maker, and NanoKVM by its own id', () => {
    const inv = inventory('linux', {
      devices: [
        { bus: 'usb', vendorId: '1d6b', productId: '0104', manufacturer: 'PiKVM', product: 'Composite KVM Device', kind: 'pointer' },
        { bus: 'usb', vendorId: '3346', productId: '1009', product: 'NanoKVM' },
      ],
    });
    const found = detect(inv, catalog);
    expect(found.map((f) => [f.tool.id, f.severity])).toEqual([
      ['nanokvm', 'critical'],
      ['pikvm', 'critical'],
    ]);
  });
});
