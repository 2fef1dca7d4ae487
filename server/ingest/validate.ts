import Ajv2020Module from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import reportSchema from '../../shared/schemas/report.schema.json' with { type: 'json' };
import type { IncomingReport } from './report-types.ts';

type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default?: AjvClass }).default ?? (Ajv2020Module as unknown as AjvClass);
let validate: ValidateFunction | undefined;

/** Why this parsed body is not an acceptable report (one line), or undefined. */
export function reportSchemaProblem(x: unknown): string | undefined {
  validate ??= new Ajv2020({ allErrors: false, strict: false }).compile(reportSchema);
  if (validate(x)) {
    const r = x as IncomingReport;
    if (Number.isNaN(Date.parse(r.sentAt))) return '/sentAt is not a date';
    return undefined;
  }
  const e = validate.errors?.[0];
  return e ? `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}` : 'does not match the report schema';
}
