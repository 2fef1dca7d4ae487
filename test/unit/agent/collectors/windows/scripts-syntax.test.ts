import path from 'node:path';
import { Language, Parser, type Node as TsNode } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHTASKS_SCRIPT } from '../../../../../agent/collectors/windows/autoruns.ts';
import { NETSH_SCRIPT } from '../../../../../agent/collectors/windows/context.ts';
import { HOST_FACTS_SCRIPT } from '../../../../../agent/collectors/windows/host-facts.ts';
import { ENV_SCRIPT } from '../../../../../agent/collectors/windows/environment.ts';
import { IDENTITY_SCRIPT } from '../../../../../agent/collectors/windows/identity.ts';
import { PROCESSES_SCRIPT } from '../../../../../agent/collectors/windows/processes.ts';
import { REG_SCRIPT } from '../../../../../agent/collectors/windows/reg.ts';
import { SERVICES_SCRIPT } from '../../../../../agent/collectors/windows/services.ts';
import { SOCKETS_SCRIPT } from '../../../../../agent/collectors/windows/sockets.ts';
import { TASKS_SCRIPT } from '../../../../../agent/collectors/windows/tasks.ts';
import { USB_SCRIPT } from '../../../../../agent/collectors/windows/usb.ts';
import { ROOT } from '../../../../helpers/paths.ts';

// No Windows here to run them, so every script a Windows collector passes to powershell.exe -Command is
// at least parsed by a real PowerShell grammar (tree-sitter-powershell, as deploy-files.test.ts does for
// the deploy scripts): an unbalanced brace in a one-line script would otherwise only show on a laptop.

const SCRIPTS = { REG_SCRIPT, TASKS_SCRIPT, SCHTASKS_SCRIPT, NETSH_SCRIPT, HOST_FACTS_SCRIPT, ENV_SCRIPT, IDENTITY_SCRIPT };
// These pass a bareword list to a parameter (`Select-Object ProcessId,ParentProcessId,Name`), which
// PowerShell accepts and this grammar does not (see the last test); they are checked for quotes only.
const GRAMMAR_GAP = { PROCESSES_SCRIPT, SERVICES_SCRIPT, SOCKETS_SCRIPT, USB_SCRIPT };

describe('PowerShell scripts of the Windows collectors', () => {
  let parser: Parser;
  beforeAll(async () => {
    await Parser.init();
    parser = new Parser();
    parser.setLanguage(await Language.load(path.join(ROOT, 'node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm')));
  });
  const errors = (n: TsNode): string[] =>
    (n.type === 'ERROR' || n.isMissing ? [`${n.startPosition.column}: ${n.text.slice(0, 60)}`] : []).concat(
      ...n.children.filter((c): c is TsNode => c !== null).map(errors),
    );

  it.each(Object.entries(SCRIPTS))('%s parses without syntax errors, and holds no double quote', (_name, script) => {
    const root = parser.parse(script)!.rootNode;
    expect(errors(root)).toEqual([]);
    expect(root.hasError).toBe(false);
    expect(script).not.toContain('"');
  });

  it.each(Object.entries(GRAMMAR_GAP))('%s holds no double quote', (_name, script) => {
    expect(script).not.toContain('"');
  });

  it('the grammar catches a missing brace, and (a gap of the grammar) rejects bareword lists', () => {
    expect(parser.parse(REG_SCRIPT.slice(0, -1))!.rootNode.hasError).toBe(true);
    // when this starts to parse, move GRAMMAR_GAP into SCRIPTS
    expect(parser.parse('Get-Process | Select-Object Id,Name')!.rootNode.hasError).toBe(true);
  });
});
