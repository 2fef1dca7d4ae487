// Guards of the looser matching rules (prefix product names, service-name word runs, command-line
// fragments): the everyday software of a company laptop must never become a finding through them.
// test/unit/agent/engine/false-positives.test.ts holds inventories of that software for all three OSes.

/**
 * Product names (agent/catalog/product-name.ts normal form) of everyday software: browsers, office and
 * meeting apps, VPN clients, remote-desktop *clients*. An observed name that starts with one of these is
 * never matched by prefix. The catalog importer refuses these as catalog product names too.
 */
export const EVERYDAY_PRODUCT_NAMES: ReadonlySet<string> = new Set([
  'google chrome',
  'microsoft edge',
  'mozilla firefox',
  'microsoft office',
  'microsoft 365',
  'zoom',
  'zoom workplace',
  'microsoft teams',
  'teams',
  'webex',
  'cisco webex meetings',
  'goto meeting',
  'gotomeeting',
  'slack',
  'dropbox',
  'microsoft visual studio code',
  'visual studio code',
  'docker desktop',
  'advanced ip scanner',
  'parallels client',
  'displaylink graphics',
  'remote desktop connection',
  'microsoft remote desktop',
  'windows app',
  'remmina',
  'cisco anyconnect secure mobility client',
  'cisco secure client',
  'globalprotect',
  'forticlient',
  'openvpn connect',
]);

/**
 * Single words that service names of unrelated software share: a catalog service name made of one of these
 * (alone) is matched exactly only, never as a word run inside a longer name.
 */
export const GENERIC_SERVICE_WORDS: ReadonlySet<string> = new Set([
  'service',
  'services',
  'agent',
  'server',
  'client',
  'helper',
  'update',
  'updater',
  'remote',
  'desktop',
  'support',
  'monitor',
  'daemon',
  'host',
  'viewer',
  'connect',
  'access',
  'control',
  'manager',
  'level',
  'level1',
  'sshd',
  'ssh',
  'eventlog',
  'vpn',
  'tunnel',
  'proxy',
]);

/** Shortest word run (characters) a service name must share with a catalog name to match inside a longer name. */
export const SERVICE_RUN_MIN = 7;

/**
 * Catalog command-line fragments that everyday tools use as well, with the tool's name absent: matched only
 * together with that tool's name elsewhere in the command line. "--frontend=" is debconf's
 * (dpkg-reconfigure --frontend=noninteractive); "--defaults --" and "-fullinstall" are common option spellings.
 */
export const WEAK_COMMAND_LINES: ReadonlySet<string> = new Set([
  '--frontend=',
  '--defaults --',
  '-fullinstall',
  '-fulluninstall',
  '--service_on=',
  'tunnel --url',
]);
