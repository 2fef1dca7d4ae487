import { describe, expect, it } from 'vitest';
import { parseRemoteLogin, parsePrintDisabled, settingsCollector } from '../../../../../agent/collectors/macos/settings.ts';
import { parseLsof, socketsCollector, splitEndpoint, unescapeLsof } from '../../../../../agent/collectors/macos/sockets.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { loadMacFixture, macContext } from '../../../../fixtures/macos/replay.ts';

describe('darwin.sockets', () => {
  it('parses lsof: listeners, connections, UDP, IPv6, escaped and truncated command names', async () => {
    const { sockets } = await socketsCollector.collect(macContext(loadMacFixture('remote-tools')));
    // 19 lines, one of them a second fd on the same AnyDesk connection
    expect(sockets).toHaveLength(18);
    expect(sockets!.filter((s) => s.state === 'LISTEN')).toEqual([
      { proto: 'tcp6', localAddress: '::', localPort: 5900, state: 'LISTEN', pid: 1, process: 'launchd' },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 5900, state: 'LISTEN', pid: 1, process: 'launchd' },
      { proto: 'tcp6', localAddress: '::', localPort: 22, state: 'LISTEN', pid: 1, process: 'launchd' },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 22, state: 'LISTEN', pid: 1, process: 'launchd' },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 7070, state: 'LISTEN', pid: 412, process: 'AnyDesk' },
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5939, state: 'LISTEN', pid: 418, process: 'TeamViewer_Servi' },
    ]);
    expect(sockets!.find((s) => s.pid === 655)).toEqual({
      proto: 'tcp',
      localAddress: '192.0.2.10',
      localPort: 50140,
      remoteAddress: '203.0.113.90',
      remotePort: 443,
      state: 'ESTABLISHED',
      pid: 655,
      process: 'Splashtop Stream',
    });
    expect(sockets!.find((s) => s.pid === 800)).toEqual({
      proto: 'tcp6',
      localAddress: '2001:db8::10',
      localPort: 50170,
      remoteAddress: '2001:db8:4860::200e',
      remotePort: 443,
      state: 'ESTABLISHED',
      pid: 800,
      process: 'Google Chrome',
    });
    expect(sockets!.filter((s) => s.proto.startsWith('udp'))).toEqual([
      { proto: 'udp', localAddress: '0.0.0.0', localPort: 5353, state: 'UNCONN', pid: 140, process: 'mDNSResponder' },
      { proto: 'udp6', localAddress: '::', localPort: 5353, state: 'UNCONN', pid: 140, process: 'mDNSResponder' },
      {
        proto: 'udp',
        localAddress: '192.0.2.10',
        localPort: 58000,
        remoteAddress: '203.0.113.121',
        remotePort: 3478,
        state: 'ESTABLISHED',
        pid: 700,
        process: 'remoting_me2me_h',
      },
      { proto: 'udp', localAddress: '0.0.0.0', localPort: 61544, state: 'UNCONN', pid: 640, process: 'RustDesk' },
    ]);
    expect(sockets!.filter((s) => s.pid === 2250).map((s) => s.state)).toEqual(['ESTABLISHED', 'CLOSE_WAIT']);
  });

  it('throws one line when lsof times out', async () => {
    await expect(socketsCollector.collect(macContext(loadMacFixture('failing-sources')))).rejects.toThrow(/^\/usr\/sbin\/lsof: ETIMEDOUT$/);
  });

  it('treats "nothing matched" (exit 1, no output) as no sockets', async () => {
    const runner = new ReplayRunner({ commands: { '/usr/sbin/lsof +c 0 -nP -iTCP -iUDP': { stdout: '', code: 1 } } });
    expect(await socketsCollector.collect(macContext(runner))).toEqual({ sockets: [] });
  });

  it('skips malformed lines and unescapes names', () => {
    const out = [
      'COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME',
      'evil\\x1b[31m 9 root 3u IPv4 0x1 0t0 TCP 127.0.0.1:80 (LISTEN)',
      'short line',
      'x 10 root 3u unix 0x2 0t0 ->0x3',
      'y 11 root 3u IPv4 0x4 0t0 TCP 1.2.3.4:99999 (LISTEN)',
      'z 12 root 3u IPv4 0x5 TCP 10.0.0.1:5000 (LISTEN)',
    ].join('\n');
    expect(parseLsof(out)).toEqual([
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 80, state: 'LISTEN', pid: 9, process: 'evil\\x1b[31m' },
      // SIZE/OFF left blank: the NODE column still anchors the parse
      { proto: 'tcp', localAddress: '10.0.0.1', localPort: 5000, state: 'LISTEN', pid: 12, process: 'z' },
    ]);
    expect(unescapeLsof('Google\\x20Chrome')).toBe('Google Chrome');
    // lsof escapes each byte of a UTF-8 name; the bytes are decoded together
    expect(unescapeLsof('\\xec\\xb9\\xb4\\xec\\xb9\\xb4\\xec\\x98\\xa4\\xed\\x86\\xa1\\x20PC')).toBe('카카오톡 PC');
    expect(
      parseLsof(
        'KakaoTalk\\x20\\xec\\xb9\\xb4\\xec\\xb9\\xb4 77 kim 9u IPv4 0x7 0t0 TCP 192.0.2.10:50200->203.0.113.5:443 (ESTABLISHED)',
      )[0]?.process,
    ).toBe('KakaoTalk 카카');
    expect(splitEndpoint('[fe80::1%en0]:5900', true)).toEqual({ address: 'fe80::1%en0', port: 5900 });
    expect(splitEndpoint('*:*', false)).toEqual({ address: '0.0.0.0', port: 0 });
  });
});

describe('darwin.settings', () => {
  it('reads Screen Sharing and Remote Login on a Mac that has them on', async () => {
    const { settings } = await settingsCollector.collect(macContext(loadMacFixture('remote-tools')));
    expect(settings).toEqual([
      { key: 'screensharing.enabled', value: true, source: 'launchctl print-disabled system' },
      { key: 'remote-login.enabled', value: true, source: 'systemsetup -getremotelogin' },
      { key: 'ssh-server.enabled', value: true, source: 'systemsetup -getremotelogin' },
      {
        key: 'remote-management.enabled',
        value: false,
        source: '/Library/Application Support/Apple/Remote Desktop/RemoteManagement.launchd (absent or not enabled); no ARDAgent process',
      },
    ]);
  });

  it('reads everything off on the corporate Mac', async () => {
    const { settings } = await settingsCollector.collect(macContext(loadMacFixture('corporate-clean')));
    expect(settings!.map((s) => [s.key, s.value])).toEqual([
      ['screensharing.enabled', false],
      ['remote-login.enabled', false],
      ['ssh-server.enabled', false],
      ['remote-management.enabled', false],
    ]);
  });

  it('handles the pre-Big Sur spelling, systemsetup without root, and an activated ARD', async () => {
    const { settings } = await settingsCollector.collect(macContext(loadMacFixture('failing-sources')));
    expect(settings).toEqual([
      { key: 'screensharing.enabled', value: true, source: 'launchctl print-disabled system' },
      { key: 'remote-login.enabled', value: false, source: 'launchctl print-disabled system' },
      { key: 'ssh-server.enabled', value: false, source: 'launchctl print-disabled system' },
      {
        key: 'remote-management.enabled',
        value: true,
        source: '/Library/Application Support/Apple/Remote Desktop/RemoteManagement.launchd',
      },
    ]);
  });

  it('sees Remote Management from a running ARDAgent, and says when a switch has no override', async () => {
    const runner = new ReplayRunner({
      commands: {
        '/bin/launchctl print-disabled system': '\tdisabled services = {\n\t\t"com.apple.ftpd" => disabled\n\t}\n',
        // the ps listings in the layout of ../../../../fixtures/macos/remote-tools (README there)
        '/bin/ps -axww -o pid=,ppid=,user=,comm=':
          '  433     1 root /System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/MacOS/ARDAgent\n',
        '/bin/ps -axww -o pid=,args=': '  433 /System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/MacOS/ARDAgent\n',
      },
    });
    const { settings } = await settingsCollector.collect(macContext(runner));
    expect(settings).toEqual([
      { key: 'screensharing.enabled', value: false, source: 'launchctl print-disabled system (no override: plist default, disabled)' },
      { key: 'remote-login.enabled', value: false, source: 'launchctl print-disabled system (no override: plist default, disabled)' },
      { key: 'ssh-server.enabled', value: false, source: 'launchctl print-disabled system (no override: plist default, disabled)' },
      { key: 'remote-management.enabled', value: true, source: 'ARDAgent process' },
    ]);
  });

  it('throws one line when nothing can be read', async () => {
    const runner = new ReplayRunner({ files: {} });
    runner.readFile = async (p: string) => {
      throw Object.assign(new Error(`cannot read ${p}: EACCES`), { code: 'EACCES' });
    };
    await expect(settingsCollector.collect(macContext(runner))).rejects.toThrow(
      /^no remote-access setting could be read: \/bin\/launchctl not found$/,
    );
  });

  it('parses both print-disabled spellings and systemsetup answers', () => {
    expect([
      ...parsePrintDisabled('\t\t"a" => enabled\n\t\t"b" => disabled\n\t"c" => false\n\t"d" => true\n"e" => maybe\n').entries(),
    ]).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
      ['d', false],
    ]);
    expect(parseRemoteLogin('Remote Login: On\n')).toBe(true);
    expect(parseRemoteLogin('Remote Login: Off')).toBe(false);
    expect(parseRemoteLogin('You need administrator access to run this tool... exiting!\n')).toBeUndefined();
  });
});
