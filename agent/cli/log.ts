// The CLI's name for the one stderr sink (agent/log-line.ts), kept so its commands import it from beside them.
export { errorLine, escapeLine, stderrLine } from '../log-line.ts';
