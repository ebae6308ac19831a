import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** What a finished process printed and exited with. */
export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How {@link runProcess} runs one. */
export interface RunOptions {
  readonly timeoutMs: number;
  /** The child's whole environment; by default only PATH. */
  readonly env?: NodeJS.ProcessEnv;
  /** What the timeout's error calls the process; by default its first argument's file name. */
  readonly name?: string;
}

/** Runs a process to its end; it is killed, and the promise rejects, after `timeoutMs`. */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name ?? path.basename(args[0] ?? command)} did not finish within ${options.timeoutMs} ms\n${stdout}${stderr}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
