// Values an upstream list files under the wrong tool, moved to the tool they belong to (or dropped).
// Each entry cites how we know; the catalog test checks that no signer, Team ID or bundle id ends up on
// two vendors' tools.

export interface Misattribution {
  field: 'signers' | 'teamIds' | 'bundleIds';
  value: string; // as stored (lowercase signers/bundle ids, uppercase Team IDs)
  from: string; // tool id the upstream list put it on
  to?: string; // tool id it belongs to; absent: it belongs to no catalog tool
  why: string;
}

export const MISATTRIBUTED: readonly Misattribution[] = [
  {
    field: 'signers',
    value: 'duc fabulous co.,ltd',
    from: 'aweray',
    to: 'ultraviewer',
    why: 'DucFabulous is the publisher of UltraViewer (ultraviewer.net "About"), not of AweRay/AweSun (AweRay Ltd)',
  },
  {
    field: 'signers',
    value: 'microsoft corporation',
    from: 'crosstec-remote-control',
    why: 'a Microsoft signature identifies Windows and Microsoft products, not CrossTec Remote Control',
  },
];
