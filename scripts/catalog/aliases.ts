import type { Category } from '../../agent/model.ts';

// Which upstream names mean the same product, and which category a product belongs to when its upstream
// description does not say. The engine also matches a tool's display name against installed-program titles,
// so canonical names are the product's own name, not a description.

/** "ConnectWise Control", "connectwise-control" and "ConnectWiseControl" share the key "connectwisecontrol". */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/\([^)]*\)/g, ' ') // "(formerly X)", "(aka Y)" are not part of the name
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'tool'
  );
}

interface Canon {
  name: string;
  /** Names the sources use: LOLRMM Name, RMML file name, jschell RMM_Tool label. */
  aliases: string[];
}

const CANON: Record<string, Canon> = {
  anydesk: { name: 'AnyDesk', aliases: ['AnyDesk'] },
  teamviewer: { name: 'TeamViewer', aliases: ['TeamViewer'] },
  screenconnect: { name: 'ScreenConnect', aliases: ['ScreenConnect', 'ConnectWise Control', 'ConnectWise', 'connectwise'] },
  'connectwise-automate': {
    name: 'ConnectWise Automate',
    aliases: ['Connectwise Automate (LabTech)', 'LabTeach (Connectwise Automate)', 'LabTech RMM (Now ConnectWise Automate)'],
  },
  itsupport247: { name: 'ITSupport247', aliases: ['ITSupport247 (ConnectWise)', 'connectwise / Continuum Managed'] },
  'chrome-remote-desktop': { name: 'Chrome Remote Desktop', aliases: ['Chrome Remote Desktop', 'ChromeRemoteDesktop'] },
  splashtop: { name: 'Splashtop', aliases: ['Splashtop', 'Splashtop Remote', 'Splashtop (Beta)'] },
  ninjaone: { name: 'NinjaOne', aliases: ['NinjaOne (formerly NinjaRMM)', 'NinjaRMM', 'Ninja RMM'] },
  'n-able': { name: 'N-able', aliases: ['N-Able Advanced Monitoring Agent', 'N-Able'] },
  'goto-resolve': { name: 'GoTo Resolve', aliases: ['GoToAssist (GoTo Resolve)', 'GoToResolve'] },
  gotomypc: { name: 'GoToMyPC', aliases: ['GoToMyPC'] },
  'level-io': { name: 'Level', aliases: ['Level', 'Level.io'] },
  beyondtrust: { name: 'BeyondTrust Remote Support', aliases: ['BeyondTrust', 'BeyondTrust (Bomgar)'] },
  fleetdeck: { name: 'FleetDeck', aliases: ['FleetDeck.io', 'FleetDeck'] },
  'netsupport-manager': { name: 'NetSupport Manager', aliases: ['NetSupport Manager', 'NetSupport'] },
  'quick-assist': { name: 'Quick Assist', aliases: ['Microsoft Quick Assist', 'Quick Assist', 'QuickAssist'] },
  simplehelp: { name: 'SimpleHelp', aliases: ['SimpleHelp', 'Simple-Help'] },
  supremo: { name: 'Supremo', aliases: ['Supremo', 'SupRemo'] },
  'tactical-rmm': { name: 'Tactical RMM', aliases: ['Tactical RMM', 'TacticalRMM'] },
  'dev-tunnels': {
    name: 'Microsoft Dev Tunnels',
    aliases: ['Dev Tunnels (aka Visual Studio Dev Tunnel)', 'Visual Studio Dev Tunnel', 'VSCodeTunnel'],
  },
  'zoho-assist': { name: 'Zoho Assist', aliases: ['Zoho Assist', 'ZohoAssist'] },
  'jump-desktop': { name: 'Jump Desktop', aliases: ['Jump Desktop', 'jump_desktop'] },
  'isl-online': { name: 'ISL Online', aliases: ['ISL Online', 'ISL Light'] },
  litemanager: { name: 'LiteManager', aliases: ['Lite Manager', 'LiteManager'] },
  'remote-utilities': { name: 'Remote Utilities', aliases: ['Remote Utilities', 'RemoteUtilities'] },
  ultravnc: { name: 'UltraVNC', aliases: ['Ultra VNC', 'UltraVNC'] },
  mionet: { name: 'MioNet', aliases: ['MioNet (Also known as WD Anywhere Access)', 'MioNet (WD Anywhere Access)'] },
  netop: {
    name: 'Netop Remote Control',
    aliases: ['Netop', 'Netop Remote Control (Impero Connect)', 'Netop Remote Control (aka Impero Connect)', 'Impero Connect'],
  },
  'pocket-controller': { name: 'Pocket Controller', aliases: ['Pocket Controller', 'Pocket Controller (Soti Xsight)'] },
  'remote-desktop-manager': {
    name: 'Remote Desktop Manager',
    aliases: ['Devolutions Remote Desktop Manager', 'Remote Desktop Manager (Devolutions)'],
  },
  ehorus: { name: 'eHorus', aliases: ['eHorus', 'Pandora RC (eHorus)'] },
  netviewer: { name: 'Netviewer', aliases: ['Netviewer', 'Netviewer (GoToMeet)'] },
  'manageengine-endpoint-central': {
    name: 'ManageEngine Endpoint Central',
    aliases: ['Manage Engine (Desktop Central)', 'ManageEngine'],
  },
  syncro: { name: 'Syncro', aliases: ['Syncro', 'SynchroMSP', 'Kabuto'] },
  'datto-rmm': { name: 'Datto RMM', aliases: ['CentraStage (Now Datto)', 'datto'] },
  'kaseya-vsa': { name: 'Kaseya VSA', aliases: ['Kaseya (VSA)', 'Kaseya VSA'] },
  'ammyy-admin': { name: 'Ammyy Admin', aliases: ['Ammyy Admin', 'ammyy'] },
  'anyplace-control': { name: 'Anyplace Control', aliases: ['Anyplace Control', 'AnyplaceControl'] },
  'barracuda-rmm': { name: 'Barracuda RMM', aliases: ['Barracuda', 'barracuda rmm'] },
  'dw-service': { name: 'DWService', aliases: ['DW Service', 'dwservice'] },
  'distant-desktop': { name: 'Distant Desktop', aliases: ['Distant Desktop', 'distantdesktop'] },
  'pdq-connect': { name: 'PDQ Connect', aliases: ['PDQ Connect', 'pdq'] },
  'fixme-it': { name: 'FixMe.it', aliases: ['FixMe.it', 'TechInline'] },
  tanium: { name: 'Tanium', aliases: ['Tanium', 'Tanium Deploy'] },
  realvnc: { name: 'RealVNC', aliases: ['RealVNC', 'VNC Connect', 'realVNC'] },
  'instant-housecall': { name: 'Instant Housecall', aliases: ['Instant Housecall'] },
  'apple-remote-desktop': { name: 'Apple Remote Desktop', aliases: ['Apple Remote Desktop'] },
  'cloudflare-tunnel': { name: 'Cloudflare Tunnel', aliases: ['CloudFlare Tunnel', 'cloudflared'] },
  mstsc: { name: 'Remote Desktop Connection', aliases: ['mstsc.exe (Microsoft Remote Desktop Connection)'] },
  tsplus: { name: 'TSplus Remote Support', aliases: ['TSplus'] },
  // Its own product family, not PsExec: without this entry "(Clone)" would be cut off and the two merged.
  'psexec-clone': { name: 'PsExec clones (PAExec, RemCom, CSExec, xCmd)', aliases: ['PSEXEC (Clone)'] },
};

const BY_KEY = new Map<string, string>();
for (const [id, c] of Object.entries(CANON)) {
  for (const a of [...c.aliases, c.name, id]) BY_KEY.set(nameKey(a), id);
}

/** The curated id for a name some source uses, if the alias table knows it. */
export function canonicalId(name: string): string | undefined {
  return BY_KEY.get(nameKey(name));
}

export function canonicalName(id: string): string | undefined {
  return CANON[id]?.name;
}

/**
 * Categories the upstream data cannot tell: tunnels and mesh VPNs are "RMM"/"RAT" in LOLRMM, and some
 * LOLRMM entries are not remote-control software at all but file sync, backup or accessibility tools that
 * attackers also abuse. Those stay in the catalog as weak signals rather than as remote-access findings.
 */
export const CATEGORY_BY_ID: Record<string, Category> = {
  ngrok: 'tunnel',
  'cloudflare-tunnel': 'tunnel',
  localxpose: 'tunnel',
  pitunnel: 'tunnel',
  'dev-tunnels': 'tunnel',
  'remote-it': 'tunnel',
  dataplicity: 'tunnel',
  rdp2tcp: 'tunnel',
  onionshare: 'tunnel',
  tailscale: 'mesh-vpn',
  zerotier: 'mesh-vpn',
  netbird: 'mesh-vpn',
  remobo: 'mesh-vpn',
  tmate: 'remote-shell',
  shellhub: 'remote-shell',
  psexec: 'remote-shell',
  'psexec-clone': 'remote-shell',
  rport: 'remote-shell',
  nezha: 'rmm',
  komari: 'rmm',
  // Outgoing-only clients (SSH terminals, RDP/VNC connection managers): they let the person at this laptop
  // reach other machines, not anyone reach this one, so on their own they are a weak signal.
  putty: 'signal',
  'putty-tray': 'signal',
  kitty: 'signal',
  extraputty: 'signal',
  superputty: 'signal',
  'solar-putty': 'signal',
  securecrt: 'signal',
  mobaxterm: 'signal',
  xshell: 'signal',
  smartty: 'signal',
  zoc: 'signal',
  'bitvise-ssh-client': 'signal',
  'chrome-ssh-extension': 'signal',
  'teleport-connect': 'signal',
  mremoteng: 'signal',
  rdcman: 'signal',
  'remote-desktop-manager': 'signal',
  'royal-ts': 'signal',
  remmina: 'signal',
  terminals: 'signal',
  rdclient: 'signal',
  mstsc: 'signal',
  chicken: 'signal',
  jollysfastvnc: 'signal',
  freerdp: 'signal',
  // Management suites whose descriptions mention remote control as one feature among many.
  freshservice: 'rmm',
  'eset-remote-administrator': 'rmm',
  'sophos-remote-management-system': 'rmm',
  landesk: 'rmm',
  'baramundi-management-suite': 'rmm',
  miradore: 'rmm',
  'manageengine-servicedesk-plus': 'rmm',
  invgate: 'rmm',
  immybot: 'rmm',
  'faronics-deploy': 'rmm',
  'faronics-insight': 'rmm',
  bluetrait: 'rmm',
  deskday: 'rmm',
  monitic: 'rmm',
  heartbeatrm: 'rmm',
  tiflux: 'rmm',
  'net-monitor-for-employees': 'rmm',
  spyanywhere: 'rmm',
  lunixar: 'rmm',
  'gorelo-rmm': 'rmm',
  'rodex-rmm': 'rmm',
  'pdq-connect': 'rmm',
  // Remote desktop and support tools LOLRMM files as "RMM" without saying more.
  aeroadmin: 'remote-desktop',
  alpemix: 'remote-desktop',
  crossloop: 'remote-desktop',
  dameware: 'remote-desktop',
  'fixme-it': 'remote-desktop',
  gotohttp: 'remote-desktop',
  'isl-online': 'remote-desktop',
  litemanager: 'remote-desktop',
  logmein: 'remote-desktop',
  'logmein-rescue': 'remote-desktop',
  mikogo: 'remote-desktop',
  mygreenpc: 'remote-desktop',
  pcnow: 'remote-desktop',
  pcvisit: 'remote-desktop',
  pilixo: 'remote-desktop',
  radmin: 'remote-desktop',
  showmypc: 'remote-desktop',
  skyfex: 'remote-desktop',
  sorillus: 'remote-desktop',
  sunlogin: 'remote-desktop',
  turbomeeting: 'remote-desktop',
  'i-m-intouch': 'remote-desktop',
  'laplink-everywhere': 'remote-desktop',
  'laplink-gold': 'remote-desktop',
  seetrol: 'remote-desktop',
  ehorus: 'remote-desktop',
  echoware: 'remote-desktop',
  neturo: 'remote-desktop',
  'dw-service': 'remote-desktop',
  'pocket-cloud': 'remote-desktop',
  weezo: 'remote-desktop',
  mionet: 'remote-desktop',
  'royal-apps': 'remote-desktop',
  'apple-remote-desktop': 'builtin-remote',
  'quick-assist': 'remote-desktop',
  remcos: 'remote-desktop',
  tsplus: 'remote-desktop',
  xmreality: 'remote-desktop',
  screenmeet: 'remote-desktop',
  parsec: 'remote-desktop',
  aweray: 'remote-desktop',
  // Not remote control: file sync and transfer, backup, installers, screen readers, keyboard/mouse sharing,
  // conferencing. Present in LOLRMM because intruders abuse them; on a laptop they are a weak signal only.
  nvda: 'signal',
  'ninite-pro': 'signal',
  megasync: 'signal',
  duplicati: 'signal',
  syncthing: 'signal',
  'yandex-disk': 'signal',
  insync: 'signal',
  koofr: 'signal',
  multcloud: 'signal',
  's3-browser': 'signal',
  smartftp: 'signal',
  winscp: 'signal',
  dragondisk: 'signal',
  nordlocker: 'signal',
  beinsync: 'signal',
  idrive: 'signal',
  basecamp: 'signal',
  'free-ping-tool': 'signal',
  'free-tools-launcher': 'signal',
  'adobe-connect': 'signal',
  synergy: 'signal',
  'mouse-without-borders': 'signal',
  'qq-im-remote-assistance': 'signal',
  'noteon-desktop-sharing': 'signal',
  'aliwangwang-remote-control': 'signal',
  'duet-display': 'signal',
  // GoTo Meeting installs it to join meetings (support.goto.com/meeting/help/about-the-goto-opener)
  'goto-opener': 'signal',
};
