// Every reporting error ends up as one log line on a laptop nobody watches, so messages stay single-line
// and say which setting or file is at fault.

import { oneLine } from '../vocabulary.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'ConfigError';
  }
}

export { oneLine };
