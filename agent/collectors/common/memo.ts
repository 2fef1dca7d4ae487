import type { Runner } from '../../runner.ts';

// Collectors of one scan run in parallel and some need the same command (the process table on macOS, the
// list of loaded user hives and a parent key listing on Windows); each is run once per runner. Entries
// expire so an agent that keeps one runner across scheduled scans never reports stale facts.

const TTL_MS = 60_000;
const cache = new WeakMap<Runner, Map<string, { at: number; value: Promise<unknown> }>>();

export function once<T>(runner: Runner, key: string, fn: () => Promise<T>): Promise<T> {
  let m = cache.get(runner);
  if (!m) cache.set(runner, (m = new Map()));
  const now = Date.now();
  const hit = m.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = fn();
  m.set(key, { at: now, value });
  return value;
}
