import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The *.yaml and *.yml files of a folder, sorted so every import reads them in the same order. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

/** A parsed YAML file; one that does not parse fails the import with `where` and the parser's first line. */
export function readYaml(path: string, where: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${where}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
}
