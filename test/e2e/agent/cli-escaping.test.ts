import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../agent/vocabulary.ts';
import { ratwatchAsync } from '../../helpers/cli.ts';

// The CLI's own error lines (commander's usage errors, input errors) quote what the user typed: an
// option or a file name holding ANSI escapes, line breaks or bidi marks must come out escaped, as one line
// that still says why.

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

describe('CLI error lines escape what they quote', { timeout: 150_000 }, () => {
  it('an unknown option with escapes and a line break', async () => {
    const r = await ratwatchAsync(['scan', '--x\u001b[2J\u001b]0;owned\u0007\nforged\u202e']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toBe("error: unknown option '--x\\x1b[2J\\x1b]0;owned\\x07\n");
  });

  it('an inventory file name with a line break keeps its reason on the one line', async () => {
    const r = await ratwatchAsync(['scan', '--inventory', '/nonexistent/a\u001b[31m\nb\u202e.json']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toBe('ratwatch: inventory /nonexistent/a\\x1b[31m\\nb\\u202e.json: cannot read (ENOENT)\n');
  });
});
