import { z } from 'zod';

/**
 * What a custom event bus's backup stores: config.json with its description, encryption, dead-letter
 * queue, resource policy (parsed), tags and the archives that record its events (their settings; the
 * archived events stay in EventBridge). Rules travel as the functions' eventbridge-rule triggers.
 */

export const StoredArchive = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  eventPattern: z.string().optional(),
  retentionDays: z.number().int().nonnegative().optional(),
});
export type StoredArchive = z.infer<typeof StoredArchive>;

export const BusConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string().min(1),
  arn: z.string().startsWith('arn:'),
  description: z.string().optional(),
  kmsKeyIdentifier: z.string().optional(),
  deadLetterArn: z.string().optional(),
  policy: z.record(z.string(), z.unknown()).nullable(),
  tags: z.record(z.string(), z.string()),
  archives: z.array(StoredArchive),
});
export type BusConfig = z.infer<typeof BusConfig>;

/** The default bus exists in every region; partner buses belong to their SaaS partner. */
export const isCustomBus = (name: string) => name !== 'default' && !name.startsWith('aws.partner/');
