// Types of catalog-validator.generated.js (ajv standalone code from scripts/gen-validators.ts): plain
// JavaScript, because the TypeScript checker overflows its stack following the generated code's nesting.
import type { ErrorObject } from 'ajv';

export declare const validateCatalogSchema: ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };
