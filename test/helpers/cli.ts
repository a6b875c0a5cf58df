import { spawnSync } from 'node:child_process';

/** Runs the real command line (`triggervault …`) in a child process, with this process's environment. */
export const runCli = (args: string[]) =>
  spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: process.env,
  });
