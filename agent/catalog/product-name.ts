// One normal form for product names, so "Radmin Server 3.5.2", "TeamViewer Host (x64)" and
// "AnyDesk MSI" compare equal to the catalog's "radmin server", "teamviewer host" and "anydesk".
// The catalog stores names already in this form (the importer refuses others); the engine applies the same
// function to what it sees (Uninstall DisplayName, PE ProductName, app names), then compares by prefix.

// Words that describe the build, not the product: architecture, packaging, channel.
const NOISE_WORDS = new Set([
  'x64',
  'x86',
  'x86_64',
  'amd64',
  'arm64',
  'aarch64',
  'win32',
  'win64',
  '32-bit',
  '64-bit',
  '32bit',
  '64bit',
  'msi',
  'setup',
  'installer',
  'portable',
  'beta',
  'preview',
  'release',
]);

/** Lowercase words of `raw` without punctuation, version numbers and build words; '' when nothing is left. */
export function normalizeProductName(raw: string): string {
  const words = raw
    .toLowerCase()
    .replace(/\.(exe|msi|app|dmg|pkg)$/i, '')
    .replace(/[()[\]{},;:"'™®©]/g, ' ')
    .replace(/[_]+/g, ' ')
    .split(/\s+|-(?=\d|x64|x86|amd64|arm64|win|windows|setup|msi)/)
    .map((w) => w.trim())
    .filter((w) => w && !NOISE_WORDS.has(w) && !/^v?\d+(\.\d+)*[a-z]?$/.test(w) && !/^(windows|win|macos|linux)$/.test(w));
  return words.join(' ');
}
