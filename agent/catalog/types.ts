import type { Category } from '../model.ts';

// One tool in shared/catalog/catalog.json. Every list may be empty; matching is case-insensitive
// (names are stored lowercase by the importer). Detections are data: the engine only knows these fields.
export interface CatalogTool {
  id: string; // kebab-case, stable, e.g. "anydesk"
  name: string; // display name
  category: Category;
  /** Executable basenames by OS, lowercase, e.g. windows ["anydesk.exe"], linux ["anydesk"]. */
  processes: { windows: string[]; darwin: string[]; linux: string[] };
  /** Install path fragments, lowercase, forward slashes, "*" wildcard allowed, e.g. "*\/program files*\/anydesk\/*". */
  paths: string[];
  bundleIds: string[]; // macOS CFBundleIdentifier / code-signing identifiers, lowercase
  /** Package names as package managers and Uninstall keys show them (dpkg, rpm, snap, flatpak, DisplayName), lowercase. */
  packages: string[];
  services: string[]; // service / launchd label / systemd unit names, lowercase
  domains: string[]; // lowercase; "*." prefix = any subdomain
  ports: number[]; // ports the tool listens on or connects to
  signers: string[]; // Authenticode subject / company names, Apple signing authorities, lowercase
  teamIds: string[]; // Apple Team IDs, uppercase as Apple prints them
  peOriginalFilenames: string[]; // PE VersionInfo OriginalFilename, lowercase
  usb: { vendorId: string; productId: string; strings: string[] }[]; // hex lowercase; strings: any of them must appear in manufacturer/product when non-empty
  displayNames: string[]; // EDID monitor names, lowercase (IP-KVM capture devices)
  /** Host settings that mean the tool is switched on, e.g. {key:"rdp.enabled", equals:true}. Keys: see agent/settings.ts. */
  settings: { key: string; equals: string | number | boolean }[];
  /** Prefixes of what a listening socket sends first, lowercase, e.g. "rfb " for any VNC server on any port. */
  banners: string[];
  /**
   * Interpreted servers (Python, Node, Perl...): script basenames and package names, lowercase, that the
   * process's script resolves to (e.g. "xpra", "websockify", "pagekite.py", "meshcentral", "localtunnel").
   * On Linux such a process runs as python3.x or node, so its executable name says nothing.
   */
  scripts: string[];
  /**
   * Product names, lowercase, normalised (agent/catalog/product-name.ts: lowercase, punctuation and
   * version/edition/architecture suffixes removed) as Uninstall DisplayName, PE ProductName/FileDescription
   * and app names show them; the engine may match them as a prefix of the normalised observed name.
   */
  productNames: string[];
  /**
   * Command-line fragments, lowercase, specific to this tool (e.g. "tunnel run --token", "--meshservicename"):
   * a process whose whole command line contains one (case-insensitive, starting at a word boundary) runs
   * the tool whatever its name.
   */
  commandLines: string[];
  /** Where the data came from: "lolrmm", "rmml", "jschell", "ratwatch" (hand-curated). */
  sources: string[];
  references: string[];
}

export interface Catalog {
  schema: 'ratwatch.catalog/1';
  generatedAt: string;
  sources: { id: string; name: string; license: string; url: string; commit?: string }[];
  tools: CatalogTool[];
}
