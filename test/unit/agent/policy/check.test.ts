import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { loadPolicy } from '../../../../agent/policy/index.ts';
import { ROOT } from '../../../helpers/cli.ts';
import { parsePolicy, policyWarnings } from '../../../../agent/policy/index.ts';
import { catalog, tool } from '../../../helpers/builders.ts';

const cat = catalog([tool('anydesk'), tool('teamviewer')]);

describe('policyWarnings', () => {
  it('names allow and suppression rules whose tool the catalog does not know, with near names', () => {
    const policy = parsePolicy(
      'allow:\n  - tool: anydek\n  - tool: teamviewer\nsuppressions:\n  - tool: zscaler\n    reason: corporate VPN\n    expires: 2030-01-01\n',
      'policy.yaml',
    );
    expect(policyWarnings(policy, cat)).toEqual([
      'policy policy.yaml: allow[0].tool "anydek" is not a tool in the catalog, so it matches nothing (did you mean anydesk?)',
      'policy policy.yaml: suppressions[0].tool "zscaler" is not a tool in the catalog, so it matches nothing',
    ]);
  });

  it('knows the host signals as tools a policy may name', () => {
    const policy = parsePolicy(
      'suppressions:\n  - tool: multiple-pointing-devices\n    reason: designers use a tablet\n    expires: 2030-01-01\n',
      'p',
    );
    expect(policyWarnings(policy, cat)).toEqual([]);
  });

  it('finds nothing to say about the shipped example policy with the real catalog', () => {
    expect(policyWarnings(loadPolicy(`${ROOT}shared/policy.example.yaml`), loadCatalog())).toEqual([]);
  });
});
