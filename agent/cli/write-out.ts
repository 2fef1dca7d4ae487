/** Writes to stdout and waits until it is flushed, so a large JSON piped to a file is whole before exit. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      // EPIPE: the reader went away (e.g. `| head`); nothing left to say
      if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
      else resolve();
    });
  });
}
