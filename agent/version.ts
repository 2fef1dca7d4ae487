// Kept in step with package.json by test/unit/version.test.ts; a constant so the bundled executable needs no package.json.
export const VERSION = '0.1.0';
