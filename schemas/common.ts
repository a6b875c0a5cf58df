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

/** AWS region names (standard, gov, China, ISO partitions). */
export const RegionName = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region name such as us-east-1');

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
