#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { KIND_NAMES, parseOrThrow } from '../../schemas/common.js';
import { EmulatorError, InputValidationError } from '../errors.js';
import { startEmulator } from '../local/emulator.js';
import { EmulatorFlags } from './flags.js';

// Commands load their modules on use: `verify` should not pay for the state-machine runtime.
const commands = () => import('./commands.js');

/** A repeatable option's values. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Exit codes: 0 success, 1 the operation found a problem, 2 bad usage or bad input. */
async function exitWith(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (error) {
    const usage = error instanceof InputValidationError || error instanceof EmulatorError;
    process.stderr.write(`triggervault: ${(error as Error).message}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}

async function emulatorCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(EmulatorFlags, rawFlags, 'flags');
  const emulator = await startEmulator({ port: flags.port });
  process.stdout.write(
    `moto emulator listening on ${emulator.endpoint}\nexport AWS_ENDPOINT_URL=${emulator.endpoint}\nCtrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.stop();
  return 0;
}

const MAX_BANDWIDTH_HELP =
  'cap the bytes per second this command moves through its own process, such as 10MB/s (slow links): store reads and writes, uploads into restored buckets; server-side copies (S3 store to bucket) cross no link of yours and are not capped';

export function buildProgram(): Command {
  const program = new Command('triggervault')
    .description(
      'Back up AWS Lambda functions with their triggers and event-source data, verified and restorable',
    )
    .exitOverride()
    .showHelpAfterError();
  program
    .command('demo')
    .description('run the whole cycle on the embedded emulator: seed 3 regions, back up, verify, report')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await import('./demo.js')).demoCommand(flags)));
  program
    .command('emulator')
    .description('start the local AWS emulator (moto) in the foreground')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .action((flags) => exitWith(() => emulatorCommand(flags)));
  program
    .command('backup')
    .description('back up functions, triggers and event sources through the backup state machine')
    .requiredOption('--bucket <bucket>', 'backup store: bucket name, s3://bucket/prefix or file:///dir')
    .option('--regions <list>', 'comma-separated regions, or "all" (default: all enabled regions)')
    .option('--include <kinds>', `comma-separated kinds: ${KIND_NAMES.join(',')}`)
    .option(
      '--names <kind=glob,...>',
      'extra resources to back up by name, per kind (sqs-queue=orders-*,iam-role=app-*)',
    )
    .option('--tables <globs>', 'extra DynamoDB tables to export (globs)')
    .option('--buckets <globs>', 'extra S3 buckets to export (globs)')
    .option('--streams <globs>', 'extra Kinesis streams to export (globs)')
    .option('--resume <run>', 'continue an interrupted run')
    .option(
      '--policy <name>',
      'follow this backup policy (selection, critical attributes, copies, retention)',
    )
    .option('--policy-file <file>', 'policy file for --policy (default: triggervault.policy.yaml)')
    .option('--allow-unsigned', 'write the manifest without a signature (no KMS signing key); loudly warned')
    .option('--max-bandwidth <rate>', MAX_BANDWIDTH_HELP)
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await commands()).backupCommand(flags)));
  program
    .command('verify')
    .description(
      "check a run's signature (or a point in time's runs), re-read every artifact, check every object copy; exit 1 naming the damaged ones",
    )
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--run <run>', 'run id')
    .option(
      '--as-of <time>',
      'a point in time (ISO 8601 such as 2026-11-25T14:00:00Z, or how long ago: 90m, 36h, 2d, 1w): per resource, the newest run at or before it',
    )
    .option('--deep', "re-hash every object copy too (default: the store's checksum/ETag, no bytes read)")
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--max-bandwidth <rate>', MAX_BANDWIDTH_HELP)
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await commands()).verifyCommand(flags)));
  program
    .command('redrive')
    .description("re-process a run's failed (dead-lettered) items; the queue is cleared only after success")
    .requiredOption('--bucket <bucket>', 'backup store')
    .requiredOption('--run <run>', 'run id')
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await commands()).redriveCommand(flags)));
  program
    .command('start')
    .description('start the deployed state machine (found from the stack outputs)')
    .option('--input <json>', 'run input', '{}')
    .option('--follow', 'show progress per region and exit with the outcome')
    .option('--state-machine-arn <arn>', 'instead of reading the stack outputs')
    .option('--stack <name>', 'CloudFormation stack name', 'triggervault-dev')
    .option('--poll-seconds <n>', 'history polling interval with --follow', '5')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await import('./deployed.js')).startCommand(flags)));
  program
    .command('status')
    .description('progress and outcome of a deployed execution')
    .argument('<execution>', 'execution ARN')
    .option('--json', 'machine-readable output')
    .action((execution, flags) =>
      exitWith(async () => (await import('./deployed.js')).statusCommand({ ...flags, execution })),
    );
  program
    .command('restore')
    .description(
      'restore functions and their triggers from a run (compares first; --dry-run prints the plan)',
    )
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--run <run>', 'run id (or --as-of)')
    .option(
      '--as-of <time>',
      'a point in time (ISO 8601 such as 2026-11-25T14:00:00Z, or how long ago: 90m, 36h, 2d, 1w): per resource, the newest run at or before it',
    )
    .option('--regions <list>', 'comma-separated source regions (default: every region of the run)')
    .option('--target-region <region>', 'restore into this region instead (one source region)')
    .option('--only <selectors>', 'comma-separated kind:name globs, such as lambda-function:orders-*')
    .option('--name-suffix <suffix>', 'scratch namespace: restored names get this suffix')
    .option('--role-map <pairs>', 'comma-separated old-role-arn=new-role-arn')
    .option(
      '--starting-position <position>',
      'stream mappings start at "latest" (default) or the "recorded" position',
    )
    .option(
      '--edge',
      'also re-associate Lambda@Edge functions (UpdateDistribution redeploys the distribution)',
    )
    .option('--keys <pattern>', 'items of s3-bucket:NAME: an object key or glob (repeatable)', collect)
    .option('--to-bucket <bucket>', 'with --keys: restore the objects into this bucket')
    .option('--to-prefix <prefix>', 'with --keys: put the restored keys under this prefix')
    .option('--items <file>', 'items of dynamodb-table:NAME: JSON file of keys or of a key condition')
    .option('--item <json>', 'items of dynamodb-table:NAME: one primary key as JSON (repeatable)', collect)
    .option('--to-table <table>', 'with --items/--item: into this table (created if missing)')
    .option('--records <filter>', 'records of kinesis-stream:NAME: pk=KEY (repeatable),from=TIME,to=TIME')
    .option('--to-stream <stream>', 'with --records: replay into this stream')
    .option(
      '--from-recovery-points',
      "restore tables and buckets from the run's AWS Backup recovery points instead of its export",
    )
    .option(
      '--redeploy-stage',
      'deploy again the stages of REST APIs whose methods or integrations the restore re-created',
    )
    .option('--max-bandwidth <rate>', MAX_BANDWIDTH_HELP)
    .option('--dry-run', 'print the plan as a diff; change nothing')
    .option('--force', 'also change existing resources that differ from the backup')
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await import('./restore.js')).restoreCommand(flags)));
  program
    .command('export-template')
    .description(
      'write a CloudFormation or SAM template per region that re-creates the functions of a run with their triggers',
    )
    .requiredOption('--bucket <bucket>', 'backup store')
    .requiredOption('--run <run>', 'run id')
    .option('--regions <list>', 'comma-separated regions (default: every region of the run)')
    .option('--only <selectors>', 'comma-separated lambda-function:NAME globs (default: every function)')
    .option('--format <format>', 'cloudformation or sam', 'cloudformation')
    .option('--out-dir <dir>', 'where to write REGION[.stage-N].template.json', '.')
    .option(
      '--upload-code-to <s3url>',
      'copy the code packages to s3://bucket[/prefix] and default CodeBucket to it',
    )
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--json', 'machine-readable output')
    .action((flags) =>
      exitWith(async () => (await import('./export-template.js')).exportTemplateCommand(flags)),
    );
  program
    .command('drill')
    .description(
      'restore a run into a scratch namespace, compare it with the backup, clean up, publish the result',
    )
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--run <run>', 'run id (default: the latest complete run)')
    .option(
      '--as-of <time>',
      'a point in time (ISO 8601 such as 2026-11-25T14:00:00Z, or how long ago: 90m, 36h, 2d, 1w): per resource, the newest run at or before it',
    )
    .option('--regions <list>', 'comma-separated source regions (default: every region of the run)')
    .option('--target-region <region>', 'restore into this scratch region instead (one source region)')
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--max-bandwidth <rate>', MAX_BANDWIDTH_HELP)
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await import('./drill.js')).drillCommand(flags)));
  program
    .command('list')
    .description('list runs; a run without a manifest is incomplete')
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await commands()).listCommand(flags)));
  program
    .command('find')
    .description(
      'which runs hold a function, trigger, object key or item key (a glob), and when it changed; exit 1: none',
    )
    .argument(
      '<pattern>',
      'glob (* and ?) on the whole name: function, trigger id or source, object key, item key',
    )
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--what <kinds>', 'comma-separated: function,trigger,object,item (default: all)')
    .option('--in <globs>', 'only in these functions (triggers), buckets (objects) or tables (items)')
    .option('--regions <list>', 'comma-separated regions (default: all)')
    .option('--json', 'machine-readable output')
    .action((pattern, flags) =>
      exitWith(async () => (await import('./find.js')).findCommand({ ...flags, pattern })),
    );
  const policyCommands = () => import('./policy-commands.js');
  program
    .command('plan')
    .description('per backup policy: what it selects now and when it runs next')
    .option('--policy-file <file>', 'policy file', 'triggervault.policy.yaml')
    .option('--policy <name>', 'only this policy')
    .option('--now <time>', 'ISO time to count the next run from (default: now)')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await policyCommands()).planCommand(flags)));
  program
    .command('prune')
    .description("apply the policies' retention: delete runs outside it and blobs no kept run references")
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--policy-file <file>', 'policy file', 'triggervault.policy.yaml')
    .option('--policy <name>', 'only the runs of this policy')
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await policyCommands()).pruneCommand(flags)));
  program
    .command('report')
    .description('write a self-contained HTML report of a run, or plots over the last N runs')
    .requiredOption('--bucket <bucket>', 'backup store')
    .option('--run <run>', 'run id')
    .option('--runs <n>', 'instead: the last N complete runs on one page, plotted run by run')
    .option('--out <file>', 'HTML file to write (default: triggervault-report-RUN.html, -last-N.html)')
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await policyCommands()).reportCommand(flags)));
  program
    .command('copy')
    .description(
      'copy a finished run to another bucket (region) or directory, verified by hash, manifest last',
    )
    .requiredOption('--bucket <bucket>', 'backup store')
    .requiredOption('--run <run>', 'run id')
    .requiredOption('--to <store>', 's3://bucket[/prefix] or file:///directory')
    .option('--to-region <region>', 'region of the target bucket')
    .option(
      '--encrypt-key <kms-key>',
      'file:/// copies: envelope-encrypt every file with a data key of this KMS key (AES-256-GCM)',
    )
    .option('--allow-unsigned', 'accept runs whose manifest is not signed (no KMS); loudly warned')
    .option('--json', 'machine-readable output')
    .action((flags) => exitWith(async () => (await policyCommands()).copyCommand(flags)));
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; real usage errors are exit 2.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    throw error;
  }
}

await main(process.argv);
