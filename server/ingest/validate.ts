import type { IncomingReport } from './report-types.ts';
import { validateReport } from './report-validator.generated.ts';

// shared/schemas/report.schema.json compiled ahead of time (scripts/gen-validators.ts): the server does not
// carry ajv's compiler or compile the schema at start.
const validate = validateReport as ((x: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

/** Why this parsed body is not an acceptable report (one line), or undefined. */
export function reportSchemaProblem(x: unknown): string | undefined {
  if (validate(x)) {
    const r = x as IncomingReport;
    if (Number.isNaN(Date.parse(r.sentAt))) return '/sentAt is not a date';
    return undefined;
  }
  const e = validate.errors?.[0];
  return e ? `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}` : 'does not match the report schema';
}
