import { describe, expect, it } from 'vitest';
import { parseScheduledTasks } from '../../../../../agent/collectors/windows/tasks.ts';

// Get-ScheduledTask objects (CIM class MSFT_ScheduledTask: TaskPath, TaskName, State, Actions of
// MSFT_TaskExecAction with Execute/Arguments or MSFT_TaskComHandlerAction with ClassId/Data) as
// TASKS_SCRIPT prints them; see test/fixtures/windows/README.md for where the shape comes from.

const vars = new Map([
  ['windir', 'C:\\Windows'],
  ['programfiles', 'C:\\Program Files'],
]);

describe('parseScheduledTasks', () => {
  it('maps the State enum (0-4, or its name), joins folder and name, quotes an unquoted Execute with spaces', () => {
    const json = JSON.stringify([
      {
        TaskPath: '\\',
        TaskName: 'RustDesk Updater',
        State: 3,
        Actions: [{ Execute: '%ProgramFiles%\\RustDesk\\rustdesk.exe', Arguments: '--update' }],
      },
      {
        TaskPath: '\\Microsoft\\Windows\\RemoteAssistance\\',
        TaskName: 'RemoteAssistanceTask',
        State: 1,
        Actions: { value: [{ Execute: '%windir%\\system32\\RAServer.exe', Arguments: '/offerraupdate' }], Count: 1 },
      },
      { TaskPath: '\\Vendor', TaskName: 'COM only', State: 'Running', Actions: [] },
      { TaskPath: '\\', TaskName: 'queued', State: 2, Actions: [{ Execute: 'C:\\Program Files\\Odd Vendor\\upd.exe', Arguments: null }] },
      { TaskPath: '\\', TaskName: 'odd state', State: 9, Actions: [{ Execute: '"C:\\x.exe"', Arguments: '' }] },
      { TaskPath: '\\', TaskName: 'RUSTDESK UPDATER', State: 3, Actions: [] }, // the same task again
      { TaskPath: '\\', TaskName: '', State: 3 },
    ]);
    expect(parseScheduledTasks(json, vars)).toEqual([
      {
        name: '\\RustDesk Updater',
        displayName: 'RustDesk Updater',
        path: 'C:\\Program Files\\RustDesk\\rustdesk.exe',
        args: '--update',
        pathRaw: '%ProgramFiles%\\RustDesk\\rustdesk.exe',
        argsRaw: '--update',
        startType: 'enabled',
        state: 'ready',
        source: 'scheduled-task',
      },
      {
        name: '\\Microsoft\\Windows\\RemoteAssistance\\RemoteAssistanceTask',
        displayName: 'RemoteAssistanceTask',
        path: 'C:\\Windows\\system32\\RAServer.exe',
        args: '/offerraupdate',
        pathRaw: '%windir%\\system32\\RAServer.exe',
        argsRaw: '/offerraupdate',
        startType: 'disabled',
        state: 'disabled',
        source: 'scheduled-task',
      },
      { name: '\\Vendor\\COM only', displayName: 'COM only', startType: 'enabled', state: 'running', source: 'scheduled-task' },
      {
        name: '\\queued',
        displayName: 'queued',
        path: 'C:\\Program Files\\Odd Vendor\\upd.exe',
        startType: 'enabled',
        state: 'queued',
        source: 'scheduled-task',
      },
      { name: '\\odd state', displayName: 'odd state', path: 'C:\\x.exe', source: 'scheduled-task' },
    ]);
  });

  it('reads one task printed as an object, nothing for no output, one line for anything else', () => {
    expect(parseScheduledTasks('\uFEFF{"TaskPath":"\\\\","TaskName":"t","State":0,"Actions":null}\r\n')).toEqual([
      { name: '\\t', displayName: 't', state: 'unknown', source: 'scheduled-task' },
    ]);
    expect(parseScheduledTasks('')).toEqual([]);
    expect(() => parseScheduledTasks('Get-ScheduledTask : Access denied')).toThrow(/^Get-ScheduledTask: output is not valid JSON/);
  });
});
