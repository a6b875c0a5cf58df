import { z } from 'zod';
import type { RunSummary } from '../src/backup/finalize.js';
import { publishRun } from '../src/backup/publish.js';
import { taskHandler } from '../src/lambda/task-handler.js';

const PublishInput = z.object({
  summary: z.looseObject({ runId: z.string(), store: z.string(), status: z.string() }),
});

/** Publish: SNS summary and dead-lettered failures; targets come from the deployment's environment. */
export const handler = taskHandler(PublishInput, 'publish input', (input, context) =>
  publishRun(
    input.summary as unknown as RunSummary,
    {
      topicArn: process.env.TRIGGERVAULT_TOPIC_ARN || undefined,
      deadLetterQueueUrl: process.env.TRIGGERVAULT_DLQ_URL || undefined,
    },
    context,
  ),
);
