import { z } from 'zod';
import { InputValidationError } from '../src/errors.js';

export const KIND_NAMES = [
  'lambda-function',
  'dynamodb-table',
  's3-bucket',
  'kinesis-stream',
  'sqs-queue',
  'sns-topic',
  'eventbridge-bus',
  'apigateway-rest-api',
  'apigateway-http-api',
  'iam-role',
  'ecr-image',
] as const;
export const KindName = z.enum(KIND_NAMES);
export type KindName = z.infer<typeof KindName>;

/**
 * The deployment's function-name prefix, `<service>-<stage>` (TRIGGERVAULT_TASK_PREFIX): an item Task
 * invokes `<prefix>-backup-<kind>` or `<prefix>-restore-<kind>`, whose names stay within Lambda's 64.
 */
const MAX_PREFIX = 64 - '-restore-'.length - Math.max(...KIND_NAMES.map((kind) => kind.length));
export const TaskPrefix = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9_-]{1,${MAX_PREFIX}}$`),
    `must be 1-${MAX_PREFIX} letters, digits, - or _ (a Lambda function-name prefix)`,
  );

/**
 * The regions AWS has, per the AWS SDK's partition table (@aws-sdk/core 3.x: aws, aws-cn,
 * aws-us-gov, the ISO and EU sovereign partitions). A well-formed but unknown name (`us-east-9`) is
 * refused at once, instead of every call to it failing minutes later with an unreadable answer.
 */
export const KNOWN_REGIONS: ReadonlySet<string> = new Set([
  ...['af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
  ...['ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3'],
  ...['ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ca-central-1'],
  ...['ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2'],
  ...['eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1'],
  ...['me-west-1', 'mx-central-1', 'sa-east-1', 'sa-west-1', 'us-east-1', 'us-east-2', 'us-west-1'],
  ...['us-west-2', 'cn-north-1', 'cn-northwest-1', 'us-gov-east-1', 'us-gov-west-1', 'eusc-de-east-1'],
  ...['us-iso-east-1', 'us-iso-west-1', 'us-isob-east-1', 'us-isob-west-1', 'eu-isoe-west-1'],
  ...['us-isof-east-1', 'us-isof-south-1'],
]);

/** Regions newer than this list: TRIGGERVAULT_EXTRA_REGIONS (comma-separated) adds them. */
const extraRegions = (): string[] =>
  (process.env.TRIGGERVAULT_EXTRA_REGIONS ?? '').split(',').map((region) => region.trim());

/** AWS region names (standard, gov, China, ISO partitions) that exist. */
export const RegionName = z
  .string()
  .regex(/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region name such as us-east-1')
  .refine((region) => KNOWN_REGIONS.has(region) || extraRegions().includes(region), {
    error: (issue) =>
      `${String(issue.input)} is not an AWS region (a newer one: add it to TRIGGERVAULT_EXTRA_REGIONS)`,
  });

/** Run ids sort by time and are safe as one store path segment. */
export const RunId = z
  .string()
  .regex(/^\d{8}T\d{6}Z-[a-z0-9]{6}$/, 'must be a run id such as 20261125T120000Z-a1b2c3');

/** A resource name as one safe path segment inside the store (no traversal, no control characters). */
export const ResourceName = z
  .string()
  .min(1)
  .max(512)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters');

/** A sha256 digest in lower-case hex, as the store names content-addressed blobs. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');

/**
 * An AWS SDK shape stored as AWS returned it: the fields the code relies on are checked, the rest is
 * kept as it was, and the result is typed as the SDK type.
 */
export const awsShape = <T>(shape: z.ZodRawShape): z.ZodType<T> =>
  z.looseObject(shape) as unknown as z.ZodType<T>;

/** Parses with a message that names every failing field, as `field.path: problem`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new InputValidationError(`invalid ${what}: ${problems.join('; ')}`);
}
