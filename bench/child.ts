import { spawn } from 'node:child_process';

/**
 * Runs Node with `args` in a process of its own and answers with the JSON object it printed on a line
 * starting with `marker` (the bench's children print their figures that way, amid anything else they
 * print). Fails with the end of the child's output when it exits non-zero or prints no such line.
 */
export function jsonFromChild<T>(
  args: readonly string[],
  options: {
    readonly marker: string;
    /** What the child does, for the error: "cdk synth of the stack". */
    readonly what: string;
    readonly env?: NodeJS.ProcessEnv;
    /** The child's standard error goes to ours (its progress lines) instead of into the error. */
    readonly showErrors?: boolean;
  },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', options.showErrors ? 'inherit' : 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = output.split('\n').find((text) => text.startsWith(options.marker));
      if (code !== 0 || !line) reject(new Error(`${options.what} failed (${code}): ${output.slice(-2000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}
