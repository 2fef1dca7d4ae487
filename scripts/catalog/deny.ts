// What the importer refuses to put into the catalog even though an upstream list names it. The engine
// matches names exactly and case-insensitively, so one generic name turns every laptop that runs an
// unrelated program of that name into a "remote access" finding. Each group says why it is here.

/** Executable stems (lowercase, without ".exe"/".msi") that benign software uses too. */
export const DENIED_EXECUTABLES: ReadonlySet<string> = new Set([
  // Installer and updater names every vendor ships: they say nothing about which product is installed.
  'setup',
  'install',
  'installer',
  'uninstall',
  'uninstaller',
  'update',
  'updater',
  'autoupdate',
  'selfupdater',
  'upgrade',
  'launcher',
  'bootstrapper',
  'setupsuite',
  'installshield setup',
  'installcore',
  'msiexec',
  // Role words used as whole binary names by countless programs.
  'agent',
  'agent32',
  'agent64',
  'client',
  'server',
  'service',
  'helper',
  'daemon',
  'monitor',
  'dashboard',
  'support',
  'supporttool',
  'connect',
  'remote',
  'remote desktop',
  'streamer',
  'viewer',
  'host',
  'console',
  'tray',
  'ui',
  'app',
  'main',
  'core',
  'appcore',
  'worker',
  'upload',
  'download',
  'recycler',
  'welcome',
  'notificationhelper',
  'monitoringagent',
  'online backup',
  'closeapp',
  'cpuchk',
  'regapps',
  'vhost',
  'sysdiag',
  'user-session',
  'start-host',
  'crash-uploader',
  'crashpad_handler',
  'native-messaging-host',
  'nativemessaginghost',
  'native_messaging_host',
  'goto',
  'config',
  'update-shim',
  'httpget',
  'httppush',
  'windowslauncher',
  'agentinstaller',
  // WireGuard's Windows tunnel driver, shipped by most VPN clients.
  'wintun',
  // Interpreters and runtimes: the remote tool may run on them, but so does everything else.
  'java',
  'javaw',
  'python',
  'python3',
  'pythonw',
  'node',
  'perl',
  'ruby',
  'php',
  'dotnet',
  'mono',
  'wine',
  'electron',
  'bash',
  'zsh',
  'fish',
  'cscript',
  'wscript',
  'mshta',
  // Operating-system programs present on every Windows, macOS or Linux host.
  'cmd',
  'powershell',
  'pwsh',
  'conhost',
  'rundll32',
  'regsvr32',
  'svchost',
  'explorer',
  'dwm',
  'csrss',
  'lsass',
  'services',
  'winlogon',
  'wininit',
  'taskhostw',
  'sihost',
  'ctfmon',
  'dllhost',
  'runtimebroker',
  'searchindexer',
  'spoolsv',
  'wmiprvse',
  'presentationhost',
  'notepad',
  'regedit',
  'taskmgr',
  'mmc',
  'systemd',
  'launchd',
  'login',
  'sudo',
  'xorg',
  'xwayland',
  'dbus-daemon',
  'curl',
  'wget',
  // Terminal multiplexers, SSH and browsers: everyday developer and office tools, not remote-control software.
  'screen',
  'tmux',
  'ssh',
  'sshd',
  'ssh-agent',
  'openssh',
  'plink',
  'winpty-agent',
  'winpty-agent64',
  'chrome',
  'msedge',
  'firefox',
  'safari',
  'iexplore',
  'opera',
  'brave',
  'code',
  // Meeting and chat apps: screen sharing is their feature, not a sign of an unauthorized remote operator.
  'teams',
  'ms-teams',
  'zoom',
  'slack',
  'skype',
  'webex',
  'qq',
  'qqprotect',
  'qqpcmgr',
  'googlemeet',
  // GoTo Meeting's launcher, installed by joining a meeting (support.goto.com/meeting/help/about-the-goto-opener)
  'goto opener',
]);

/** Executable stems that start like this belong to a product other than the tool the upstream list files them under. */
export const DENIED_EXECUTABLE_PREFIXES: readonly { prefix: string; why: string }[] = [
  { prefix: 'g2m', why: 'GoTo Meeting (conferencing) binaries that LOLRMM files under GoToMyPC/GoToAssist' },
];

/** Linux/macOS packages that are libraries or default desktop components, never a remote-access server by themselves. */
export const DENIED_PACKAGES: ReadonlySet<string> = new Set([
  'libvncserver1',
  'libvncclient1',
  'libvncserver',
  'libvncserver-dev',
  'libneatvnc0',
  'libfreerdp2-2',
  'libfreerdp3-3',
  'remmina',
  'vino',
  'gnome-remote-desktop',
  'openssh-server',
  'openssh-client',
]);

/**
 * Authenticode / Apple signer names (lowercase) of vendors that sign many products besides the listed tool
 * (antivirus, browsers, archivers, chat apps, OS components) or that are not signer names at all. The engine
 * already treats a few very broad vendors (Microsoft, Google, Apple Inc, Adobe...) as corroboration only;
 * these are not on its list, so a match on them alone would blame the wrong product.
 */
export const DENIED_SIGNERS: ReadonlySet<string> = new Set([
  '.net',
  'certification authority',
  'codesigningmico',
  'globalsigningdig',
  'apple mac os application signing',
  'microsoft windows component publisher',
  'symantec corporation',
  'eset, spol. s r.o.',
  'quest software inc.',
  'rocket software, inc.',
  'ivanti, inc.',
  'zoho corporation private limited',
  'zoho corporation pvt. ltd.',
  'logmein, inc.',
  'goto technologies usa, llc',
  'famatech corp.',
  'tencent technology (shenzhen) company limited',
  'yandex llc',
  'taobao (china) software co.,ltd.',
  'alibaba (china) network technology co.,ltd.',
  'win.rar gmbh',
  'tuxera inc',
  'oculus vr, llc',
  'unity technologies aps',
  'unity technologies sf',
  'openvpn inc.',
  'outbyte computing pty ltd',
  'gametop pte ltd',
  '北京火绒网络科技有限公司',
  '中移动信息技术有限公司',
  // Authors of PuTTY and WinSCP, whose signed binaries other products bundle; PuTTY Tray's author, whose
  // signature LOLRMM also files under Tactical RMM.
  'simon tatham',
  'martin prikryl',
  'christopher west',
  // Publishers of consumer software besides the listed tool: Electronic Team (HelpWire) also signs Elmedia
  // Player, Commander One and Folx; Comodo (Comodo RMM, Itarian) signs Comodo Internet Security and Dragon.
  'electronic team, inc.',
  'comodo security solutions',
  'comodo security solutions, inc.',
]);

/**
 * Domains of shared infrastructure or of vendors whose main business is not remote access: traffic to them
 * says nothing about the listed tool (code hosting, cloud storage, public STUN, antivirus updates, SaaS suites).
 */
export const DENIED_DOMAINS: ReadonlySet<string> = new Set([
  'github.com',
  'ghcr.io',
  'raw.githubusercontent.com',
  'objects.githubusercontent.com',
  'downloads.io',
  'stunserver.stunprotocol.org',
  'cacerts.thawte.com',
  'pubsub.pubnub.com',
  'ps.pndsn.com',
  '*.support.services.microsoft.com',
  '*.sophos.com',
  '*.sophosupd.com',
  '*.sophosupd.net',
  '*.zoho.com',
  '*.zoho.eu',
  '*.zoho.in',
  '*.zoho.com.au',
  '*.zoho.com.cn',
  'meeting.zoho.com',
  'meeting.zoho.eu',
  'static.zohocdn.com',
  'zohostatic.in',
  'zohowebstatic.com',
  'zohopublic.com',
  'zohopublic.eu',
  '*.ivanti.com',
  'ivanti.com',
  '*.ivanticloud.com',
  '*.parallels.com',
  '*.freshworks.com',
  '*.myfreshworks.com',
  '*.freshchat.com',
  '*.webpush.freshchat.com',
  'apicdn-wchat.freshchat.com',
  '*.in-freshbots.ai',
  'fleetdm.com',
  'updatewarranty.com',
  'update.equinox.io',
  // GoTo's company site and the meeting service's CDN and real-time hosts: GoTo Meeting users reach them too.
  'goto.com',
  'getgo.com',
  '*.getgo.com',
  '*.cdn.getgo.com',
  'goto-rtc.com',
]);

/** Domain suffixes of download portals and documentation sites: visiting them is not running the tool. */
export const DENIED_DOMAIN_SUFFIXES: readonly string[] = ['.softonic.com', '.software.informer.com'];
export const DENIED_DOMAIN_PREFIXES: readonly string[] = ['docs.', 'forum.', 'help.', 'www.'];

/** Ports every browser and chat app uses; as evidence of one particular tool they only add noise. */
export const DENIED_PORTS: ReadonlySet<number> = new Set([20, 21, 22, 53, 80, 123, 443, 3478, 3479, 5349, 8080, 8443, 19302]);

/** Apple Team IDs (uppercase) that sign many products; none here yet beyond what the engine corroborates. */
export const DENIED_TEAM_IDS: ReadonlySet<string> = new Set<string>([]);

/** Windows service / launchd names that are system components or third-party drivers shared by many programs. */
export const DENIED_SERVICES: ReadonlySet<string> = new Set([
  'eventlog',
  'windows update service',
  'winring0_1_2_0',
  'termservice',
  'sshd',
  'ssh',
  'level',
  'service',
]);

/**
 * Product names (normal form) of the everyday software a laptop runs: a prefix rule on one of these would
 * turn browsers, meeting apps and remote-desktop *clients* into findings. One list, the engine's guard list too.
 */
export { EVERYDAY_PRODUCT_NAMES as DENIED_PRODUCT_NAMES } from '../../agent/engine/everyday.ts';
