// Kept in step with package.json by test/e2e/agent/cli.test.ts; a constant so the bundled executable needs no package.json.
export const VERSION = '0.1.0';
