import {
  type CacheBehavior,
  CloudFrontClient,
  type DistributionSummary,
  ListDistributionsCommand,
} from '@aws-sdk/client-cloudfront';
import { client } from '../aws/clients.js';
import { targetsFunction } from './permissions.js';
import { compact, paginate, regionMemo } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

/** Lambda@Edge functions live in us-east-1, and CloudFront is a global service answered there. */
const EDGE_REGION = 'us-east-1';

/**
 * Every distribution of the account. A DistributionSummary carries the default and the ordered cache
 * behaviors with their LambdaFunctionAssociations, so no GetDistributionConfig per distribution is needed.
 */
const allDistributions = regionMemo((region) =>
  paginate(async (Marker) => {
    const page = await client(CloudFrontClient, region).send(new ListDistributionsCommand({ Marker }));
    const list = page.DistributionList;
    return { items: list?.Items, next: list?.IsTruncated ? list.NextMarker : undefined };
  }),
);

function edgeRecords(fn: FunctionRef, distribution: DistributionSummary): TriggerRecord[] {
  const behaviors: { pathPattern?: string; behavior: Pick<CacheBehavior, 'LambdaFunctionAssociations'> }[] = [
    ...(distribution.DefaultCacheBehavior ? [{ behavior: distribution.DefaultCacheBehavior }] : []),
    ...(distribution.CacheBehaviors?.Items ?? []).map((behavior) => ({
      pathPattern: behavior.PathPattern,
      behavior,
    })),
  ];
  return behaviors.flatMap(({ pathPattern, behavior }) =>
    (behavior.LambdaFunctionAssociations?.Items ?? [])
      .filter((association) => targetsFunction(association.LambdaFunctionARN, fn))
      .map((association) => ({
        type: 'cloudfront-edge' as const,
        id: `${distribution.Id}/${pathPattern ?? 'default'}/${association.EventType}`,
        source: distribution.ARN as string,
        target: association.LambdaFunctionARN as string,
        config: compact({
          DistributionId: distribution.Id,
          DefaultCacheBehavior: pathPattern === undefined,
          PathPattern: pathPattern,
          EventType: association.EventType,
          IncludeBody: association.IncludeBody,
        }),
        // CloudFront replicates the version with the caller's IAM rights; the function policy is not involved.
        permissions: [],
      })),
  );
}

/** Lambda@Edge associations (always version-qualified) in any cache behavior of any distribution. */
export const cloudFrontEdgeTrigger: TriggerType = {
  type: 'cloudfront-edge',
  async list(fn: FunctionRef) {
    if (fn.region !== EDGE_REGION) return [];
    return (await allDistributions(EDGE_REGION)).flatMap((distribution) => edgeRecords(fn, distribution));
  },
};
