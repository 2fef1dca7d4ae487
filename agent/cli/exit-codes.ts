// The one definition of ratwatch's exit codes: the CLI, the daemon, the docs test and the deploy scripts'
// expectations all come from here. 1 means findings, so nothing that fails may use it.
export const EXIT = {
  clean: 0,
  findings: 1,
  badInput: 2,
  /** `flush`: reports are still waiting (endpoint down or refusing). */
  pending: 3,
  /** sysexits' EX_SOFTWARE, so an internal error never mixes with a result code. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
