import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type CommandResult, runCommand } from './env.js';

/**
 * The tools users would otherwise pick, run with their defaults against the same endpoint (the
 * emulator or the latency proxy): `aws s3 sync`, `rclone copy`, `aws dynamodb scan`.
 */

const awsEnv = (region: string, endpoint: string): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_DEFAULT_REGION: region,
  AWS_REGION: region,
  AWS_PAGER: '',
  AWS_ENDPOINT_URL: endpoint,
});

const check = (what: string, result: CommandResult): CommandResult => {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}: ${result.stderr.trim()}`);
  return result;
};

/** `aws s3 sync s3://src s3://dst` (server-side copies, awscli's default concurrency). */
export async function awsS3Sync(endpoint: string, region: string, source: string, destination: string) {
  return check(
    'aws s3 sync',
    await runCommand(
      'aws',
      [
        '--endpoint-url',
        endpoint,
        's3',
        'sync',
        `s3://${source}`,
        `s3://${destination}`,
        '--only-show-errors',
      ],
      { env: awsEnv(region, endpoint) },
    ),
  );
}

/** `rclone copy` between two buckets of one S3 remote (provider Other, path style), rclone's defaults. */
export async function rcloneCopy(endpoint: string, region: string, source: string, destination: string) {
  return check(
    'rclone copy',
    await runCommand('rclone', ['copy', `bench:${source}`, `bench:${destination}`], {
      env: {
        RCLONE_CONFIG_BENCH_TYPE: 's3',
        RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
        RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: 'testing',
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: 'testing',
        RCLONE_CONFIG_BENCH_REGION: region,
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
        // Plain http on loopback: a CA bundle from the environment only makes rclone refuse to start.
        AWS_CA_BUNDLE: undefined,
      },
    }),
  );
}

/** `aws dynamodb scan` of the whole table (the CLI paginates), written to `file`; counts the items. */
export async function awsDynamoScan(endpoint: string, region: string, table: string, file: string) {
  const result = check(
    'aws dynamodb scan',
    await runCommand(
      'aws',
      ['--endpoint-url', endpoint, 'dynamodb', 'scan', '--table-name', table, '--output', 'json'],
      { env: awsEnv(region, endpoint), stdoutFile: file },
    ),
  );
  return { ...result, items: await countScanItems(file) };
}

/** The `"Count"` of the CLI's merged scan output, read without loading the file whole. */
async function countScanItems(file: string): Promise<number> {
  let count = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const match = /^ {4}"Count": (\d+),?$/.exec(line);
    if (match) count = Number(match[1]);
  }
  return count;
}
