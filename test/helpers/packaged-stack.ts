import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run package` once per test run, shared: the stack test, the CloudFormation deploy test and
 * the permission proof (global teardown) all read the same package. It takes 30-120 s, so it is
 * built on first demand into `.serverless-test/<sha256 of its inputs>/` and reused while the inputs
 * (serverless.yml, deploy/, statemachines/, handlers/, src/, schemas/, the lock file, the policy
 * file) are unchanged: a clean clone always packages, an unchanged tree never twice. Jest runs test
 * files in two worker processes and the teardown in a third: the first to ask packages under a lock
 * directory (atomic mkdir), the others watch for its result.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, '.serverless-test');
/**
 * The deployment the suite packages: a policy file (one schedule per policy, an AWS Backup role) and
 * the roles restore may pass on — the ones the suites give their functions, rules and schedules
 * (test/helpers/aws.ts `tv-…`, the demo's `triggervault-demo-…`) in moto's account.
 */
const POLICY_FILE = 'test/fixtures/deploy/triggervault.policy.yaml';
const PARAMETERS = [
  `--param=policyFile=${POLICY_FILE}`,
  '--param=passRoleArns=arn:aws:iam::123456789012:role/tv-*,arn:aws:iam::123456789012:role/triggervault-demo-*',
];
const INPUT_FILES = [
  'serverless.yml',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'triggervault.policy.yaml',
  POLICY_FILE,
];
const INPUT_DIRECTORIES = ['deploy', 'statemachines', 'handlers', 'src', 'schemas'];
const WAIT_MS = 600_000;

export interface PackagedStack {
  /** The package directory (`osls package --package`): templates, zips, serverless-state.json. */
  directory: string;
  /** What `npm run package` printed. */
  output: string;
  // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
  template: any;
}

interface Outcome {
  status: number | null;
  output: string;
  /** The test run that packaged (global setup's TRIGGERVAULT_TEST_RUN): a failure is not reused by later runs. */
  run?: string;
}

function inputsDigest(): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    hash.update(`${relative(ROOT, path)}\0`);
    hash.update(readFileSync(path));
  };
  for (const file of INPUT_FILES) if (existsSync(join(ROOT, file))) add(join(ROOT, file));
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) add(path);
    }
  };
  for (const directory of INPUT_DIRECTORIES) walk(join(ROOT, directory));
  return hash.digest('hex').slice(0, 16);
}

const ownerAlive = (lock: string): boolean => {
  try {
    process.kill(Number(readFileSync(join(lock, 'pid'), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
};

function runPackage(target: string): Promise<Outcome> {
  const env = { ...process.env };
  delete env.AWS_ENDPOINT_URL;
  // The test run's call log must not see osls (it records only inside handlers, but stays out anyway).
  delete env.TRIGGERVAULT_CALL_LOG;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'package', '--', '--package', target, ...PARAMETERS], {
      cwd: ROOT,
      env,
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Resolves when `done` answers true, re-asking on every change in `directory` (no polling). */
function whenChanged(directory: string, done: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(directory);
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`no package in ${directory} after ${WAIT_MS / 1000} s`));
    }, WAIT_MS);
    const check = () => {
      try {
        if (!done()) return;
      } catch (error) {
        reject(error);
      }
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    watcher.on('change', check);
    watcher.on('error', reject);
    check();
  });
}

function load(directory: string): PackagedStack {
  const outcome = JSON.parse(readFileSync(join(directory, 'outcome.json'), 'utf8')) as Outcome;
  if (outcome.status !== 0) throw new Error(`npm run package failed (${outcome.status}):\n${outcome.output}`);
  return {
    directory: join(directory, 'package'),
    output: outcome.output,
    template: JSON.parse(
      readFileSync(join(directory, 'package', 'cloudformation-template-update-stack.json'), 'utf8'),
    ),
  };
}

/** The packaged stack of the current sources: built here, or by another process of this run, or reused. */
export async function packagedStack(): Promise<PackagedStack> {
  const digest = inputsDigest();
  const directory = join(CACHE, digest);
  const lock = `${directory}.lock`;
  mkdirSync(CACHE, { recursive: true });
  for (;;) {
    if (existsSync(join(directory, 'outcome.json'))) {
      const outcome = JSON.parse(readFileSync(join(directory, 'outcome.json'), 'utf8')) as Outcome;
      if (outcome.status === 0 || outcome.run === process.env.TRIGGERVAULT_TEST_RUN) return load(directory);
      rmSync(directory, { recursive: true, force: true });
    }
    try {
      mkdirSync(lock);
    } catch {
      // Another process is packaging: wait for its result, or for it to die (then take over).
      await whenChanged(
        CACHE,
        () => existsSync(join(directory, 'outcome.json')) || !existsSync(lock) || !ownerAlive(lock),
      );
      if (existsSync(lock) && !ownerAlive(lock) && !existsSync(join(directory, 'outcome.json')))
        rmSync(lock, { recursive: true, force: true });
      continue;
    }
    writeFileSync(join(lock, 'pid'), String(process.pid));
    try {
      // Older packages of this worktree are no longer the sources: keep only the one being built.
      for (const entry of readdirSync(CACHE))
        if (
          !entry.startsWith(digest) &&
          statSync(join(CACHE, entry)).isDirectory() &&
          !entry.endsWith('.lock')
        )
          rmSync(join(CACHE, entry), { recursive: true, force: true });
      const building = `${directory}.building`;
      rmSync(building, { recursive: true, force: true });
      mkdirSync(building);
      const outcome = {
        ...(await runPackage(join(building, 'package'))),
        run: process.env.TRIGGERVAULT_TEST_RUN,
      };
      writeFileSync(join(building, 'outcome.json'), JSON.stringify(outcome));
      renameSync(building, directory);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
