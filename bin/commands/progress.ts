/** A one-line progress display on stderr, redrawn at most every 200 ms; silent when not a terminal. */
export function progressLine(label: string): { update(text: string): void; done(text: string): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let started = Date.now();
  return {
    update(text: string) {
      const now = Date.now();
      if (!tty || now - last < 200) return;
      last = now;
      const seconds = ((now - started) / 1000).toFixed(0);
      process.stderr.write(`\r${label} ${text} (${seconds} s)\u001b[K`);
    },
    done(text: string) {
      if (tty) process.stderr.write(`\r${label} ${text}\u001b[K\n`);
      started = Date.now();
    },
  };
}

/** `[#####.....]` for a share from 0 to 1. */
export function bar(share: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, share)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
