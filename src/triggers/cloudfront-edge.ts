import {
  type CacheBehavior,
  CloudFrontClient,
  type DistributionSummary,
  GetDistributionConfigCommand,
  type LambdaFunctionAssociation,
  ListDistributionsCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { RestoreContext } from '../reconcile/context.js';
import { reconcile } from '../reconcile/diff.js';
import { resultOf } from '../reconcile/results.js';
import { targetsFunction } from './permissions.js';
import { cannotRestore } from './rewire.js';
import { compact, regionMemo } from './shared.js';
import { templateEdgeAssociations } from './template-sources.js';
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

type EdgeConfig = {
  DistributionId: string;
  DefaultCacheBehavior: boolean;
  PathPattern?: string;
  EventType: string;
  IncludeBody?: boolean;
};

/**
 * Re-associates the restored function version with the distribution's cache behavior, only when
 * asked (`edge`): UpdateDistribution redeploys the distribution worldwide. Otherwise it is reported
 * as manual work.
 */
async function restoreAssociation(record: TriggerRecord, context: RestoreContext) {
  const config = record.config as EdgeConfig;
  const behaviorName = config.PathPattern ?? 'default behavior';
  const what = `distribution ${config.DistributionId} ${behaviorName} ${config.EventType}`;
  if (!context.options.edge)
    return cannotRestore(
      record,
      'manual',
      `Lambda@Edge on ${what}: UpdateDistribution redeploys the distribution; restore with --edge, or associate ${context.mapper.mapArn(record.target)} yourself`,
    );
  if (context.targetRegion !== EDGE_REGION)
    return cannotRestore(
      record,
      'blocked',
      `Lambda@Edge functions must be in ${EDGE_REGION}, not ${context.targetRegion}`,
    );
  const cloudfront = client(CloudFrontClient, EDGE_REGION);
  const got = await ifExists(() =>
    cloudfront.send(new GetDistributionConfigCommand({ Id: config.DistributionId })),
  );
  const distribution = got?.DistributionConfig;
  if (!distribution)
    return cannotRestore(record, 'blocked', `distribution ${config.DistributionId} does not exist`);
  const behavior: Pick<CacheBehavior, 'LambdaFunctionAssociations'> | undefined = config.DefaultCacheBehavior
    ? distribution.DefaultCacheBehavior
    : distribution.CacheBehaviors?.Items?.find((candidate) => candidate.PathPattern === config.PathPattern);
  if (!behavior)
    return cannotRestore(
      record,
      'blocked',
      `distribution ${config.DistributionId} has no cache behavior ${behaviorName}`,
    );
  const associations = behavior.LambdaFunctionAssociations?.Items ?? [];
  const current = associations.find((association) => association.EventType === config.EventType);
  const desired = compact({
    LambdaFunctionARN: context.mapper.mapArn(record.target),
    IncludeBody: config.IncludeBody,
  });
  const write = async () => {
    const Items: LambdaFunctionAssociation[] = [
      ...associations.filter((association) => association !== current),
      { EventType: config.EventType as LambdaFunctionAssociation['EventType'], ...desired },
    ];
    behavior.LambdaFunctionAssociations = { Quantity: Items.length, Items };
    await cloudfront.send(
      new UpdateDistributionCommand({
        Id: config.DistributionId,
        IfMatch: got?.ETag,
        DistributionConfig: distribution,
      }),
    );
  };
  const change = await reconcile(context, {
    resource: `lambda@edge ${what}`,
    current:
      current && compact({ LambdaFunctionARN: current.LambdaFunctionARN, IncludeBody: current.IncludeBody }),
    desired,
    create: write,
    update: write,
  });
  return resultOf([change]);
}

/** Lambda@Edge associations (always version-qualified) in any cache behavior of any distribution. */
export const cloudFrontEdgeTrigger: TriggerType = {
  template: templateEdgeAssociations,
  type: 'cloudfront-edge',
  async list(fn: FunctionRef) {
    if (fn.region !== EDGE_REGION) return [];
    return (await allDistributions(EDGE_REGION)).flatMap((distribution) => edgeRecords(fn, distribution));
  },
  restore: restoreAssociation,
};
