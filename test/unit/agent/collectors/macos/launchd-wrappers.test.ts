import { describe, expect, it } from 'vitest';
import { jobToService, loadedState, parseLaunchctlList } from '../../../../../agent/collectors/macos/launchd.ts';
import { shellWords, unwrapArgv } from '../../../../../agent/collectors/macos/wrappers.ts';
import { parsePlist } from '../../../../../agent/collectors/common/plist.ts';

// ProgramArguments shapes from launchd.plist(5) and sh(1)/env(1)/open(1); RustDesk ships
// ["/bin/sh", "-c", "/Applications/RustDesk.app/Contents/MacOS/service"] (rustdesk
// src/platform/privileges_scripts/daemon.plist, AGPL-3.0, not copied: the fixture remote-tools has the
// same array written from launchd.plist(5)).

describe('launchd wrappers', () => {
  it('peels sh/bash/zsh -c, env and open -a down to the program', () => {
    expect(unwrapArgv(['/bin/sh', '-c', '/Applications/RustDesk.app/Contents/MacOS/service'])).toEqual([
      '/Applications/RustDesk.app/Contents/MacOS/service',
    ]);
    expect(unwrapArgv(['/bin/bash', '-lc', "exec '/Library/Application Support/x/agent' --daemon"])).toEqual([
      '/Library/Application Support/x/agent',
      '--daemon',
    ]);
    expect(unwrapArgv(['/bin/zsh', '-c', 'HOME=/var/root /usr/local/bin/ngrok start --all'])).toEqual([
      '/usr/local/bin/ngrok',
      'start',
      '--all',
    ]);
    expect(unwrapArgv(['/usr/bin/env', '-i', 'PATH=/usr/bin', '/opt/frp/frpc', '-c', '/opt/frp/frpc.toml'])).toEqual([
      '/opt/frp/frpc',
      '-c',
      '/opt/frp/frpc.toml',
    ]);
    expect(unwrapArgv(['/usr/bin/open', '-g', '-a', 'AnyDesk', '--args', '--silent'])).toEqual(['/Applications/AnyDesk.app', '--silent']);
    expect(unwrapArgv(['/usr/bin/open', '/Applications/RustDesk.app'])).toEqual(['/Applications/RustDesk.app']);
    expect(unwrapArgv(['/usr/bin/env', 'bash', '-c', '/usr/local/bin/tailscaled'])).toEqual(['/usr/local/bin/tailscaled']);
  });

  it('leaves scripts that are more than one program, and non-wrappers, as written', () => {
    const piped = ['/bin/sh', '-c', 'curl -s https://x | sh'];
    expect(unwrapArgv(piped)).toBe(piped);
    expect(unwrapArgv(['/bin/sh', '/usr/local/bin/start.sh'])).toEqual(['/bin/sh', '/usr/local/bin/start.sh']);
    expect(unwrapArgv(['/bin/sh', '-c', 'cd /tmp; ./x'])).toEqual(['/bin/sh', '-c', 'cd /tmp; ./x']);
    expect(unwrapArgv(['/usr/bin/open', '-b', 'com.rustdesk.RustDesk'])).toEqual(['/usr/bin/open', '-b', 'com.rustdesk.RustDesk']);
    expect(shellWords('"$HOME/x"')).toBeUndefined();
    expect(shellWords('a\\ b "c d" \'e\'')).toEqual(['a b', 'c d', 'e']);
  });

  it('keeps the wrapper as pathRaw/argsRaw on the service', () => {
    const job = parsePlist(
      Buffer.from(
        '<plist version="1.0"><dict><key>Label</key><string>x</string><key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string><string>/opt/x/agent --run</string></array></dict></plist>',
      ),
    );
    expect(jobToService(job as never, '/Library/LaunchDaemons/x.plist')).toEqual({
      name: 'x',
      source: 'launchd',
      file: '/Library/LaunchDaemons/x.plist',
      startType: 'OnDemand',
      path: '/opt/x/agent',
      args: '--run',
      pathRaw: '/bin/sh',
      argsRaw: '-c "/opt/x/agent --run"',
    });
  });
});

describe('launchctl list labels with a suffix', () => {
  const loaded = parseLaunchctlList(
    'PID\tStatus\tLabel\n140\t0\tcom.apple.mDNSResponder.reloaded\n-\t0\tcom.a.helper\n-\t0\tcom.a.agent\n77\t0\tcom.b\n',
  );
  it('finds a job listed as label.suffix when that is the only such name and no other plist owns it', () => {
    expect(loadedState(loaded, 'com.apple.mDNSResponder')).toEqual({ pid: 140, status: '0' });
    expect(loadedState(loaded, 'com.b')).toEqual({ pid: 77, status: '0' });
    expect(loadedState(loaded, 'com.a')).toBeUndefined(); // two candidates
    expect(loadedState(loaded, 'com.apple.mDNSResponder', new Set(['com.apple.mDNSResponder.reloaded']))).toBeUndefined();
    expect(loadedState(loaded, 'com.apple')).toBeUndefined(); // more than one word of suffix
    expect(loadedState(loaded, undefined)).toBeUndefined();
  });
});

describe('an empty plist', () => {
  it('is valid: no value, not an error', () => {
    const hdr =
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';
    expect(parsePlist(Buffer.from(`${hdr}<plist version="1.0"/>\n`))).toBeNull();
    expect(parsePlist(Buffer.from(`${hdr}<plist version="1.0">\n</plist>\n`))).toBeNull();
    expect(parsePlist(Buffer.from(`${hdr}<plist version="1.0">\n<dict/>\n</plist>\n`))).toEqual({});
    expect(() => parsePlist(Buffer.from(`${hdr}<plist version="1.0">\n<dict>\n</plist>\n`))).toThrow();
  });
});
