import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Tests live at different depths of a tree that mirrors the sources; they name repository files from here.
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures');
