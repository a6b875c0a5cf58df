import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  type EventSourceMappingConfiguration,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSchedulesCommand, SchedulerClient, type ScheduleSummary } from '@aws-sdk/client-scheduler';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { client, resolveCodeLocation } from '../../src/aws/clients.js';
import { ifExists } from '../../src/aws/errors.js';
import { paginate } from '../../src/aws/paginate.js';

/**
 * The sequential peer of Lambda capture: what a straightforward script does to capture the same
 * functions with the same Get/List calls, one call at a time (no concurrency anywhere). Per function:
 * GetFunction and the code download, versions (GetFunction and download per published version),
 * aliases, event-invoke configs, reserved and provisioned concurrency, code signing, the policy and
 * URL config per qualifier, layers (GetLayerVersion and download, once per layer version), and the
 * triggers: mappings, S3 notifications of the buckets the policy names, SNS subscriptions of the
 * topics it names, EventBridge rules targeting the function (region listings made once, as ours
 * does). Code already fetched (same sha256) is not fetched again, as ours does. Writes each
 * function's JSON and code under `directory`.
 */

interface Statement {
  Principal?: { Service?: string } | string;
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface BaselineResult {
  functions: number;
  ms: number;
  downloads: number;
}

/** Captures `names` (or every function of the region) one call at a time. */
export async function sequentialLambdaCapture(
  region: string,
  directory: string,
  names?: string[],
): Promise<BaselineResult> {
  const started = performance.now();
  const lambda = client(LambdaClient, region);
  const events = client(EventBridgeClient, region);
  const sns = client(SNSClient, region);
  const s3 = client(S3Client, region);
  const fetched = new Set<string>();
  let downloads = 0;
  await mkdir(join(directory, 'code'), { recursive: true });

  const download = async (location: string | undefined, sha256Base64: string | undefined) => {
    if (!location || !sha256Base64 || fetched.has(sha256Base64)) return;
    const response = await fetch(resolveCodeLocation(location));
    const bytes = Buffer.from(await response.arrayBuffer());
    const hex = createHash('sha256').update(bytes).digest('hex');
    if (Buffer.from(hex, 'hex').toString('base64') !== sha256Base64)
      throw new Error(`code at ${location} does not hash to ${sha256Base64}`);
    await writeFile(join(directory, 'code', hex), bytes);
    fetched.add(sha256Base64);
    downloads += 1;
  };

  const list =
    names ??
    (
      await paginate(async (Marker) => {
        const page = await lambda.send(new ListFunctionsCommand({ Marker }));
        return { items: page.Functions, next: page.NextMarker };
      })
    ).map((fn) => fn.FunctionName as string);

  // Region-wide listings, made once (as a careful script, and ours, do).
  const mappings: EventSourceMappingConfiguration[] = await paginate(async (Marker) => {
    const page = await lambda.send(new ListEventSourceMappingsCommand({ Marker }));
    return { items: page.EventSourceMappings, next: page.NextMarker };
  });
  const buses = await paginate(async (NextToken) => {
    const page = await events.send(new ListEventBusesCommand({ NextToken }));
    return { items: page.EventBuses?.map((bus) => bus.Name as string), next: page.NextToken };
  });
  const schedules: ScheduleSummary[] = await paginate(async (NextToken) => {
    const page = await client(SchedulerClient, region).send(new ListSchedulesCommand({ NextToken }));
    return { items: page.Schedules, next: page.NextToken };
  });
  await paginate(async (Marker) => {
    const page = await client(CloudFrontClient, 'us-east-1').send(new ListDistributionsCommand({ Marker }));
    return { items: page.DistributionList?.Items, next: page.DistributionList?.NextMarker };
  });

  for (const name of list) {
    const latest = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    const arn = latest.Configuration?.FunctionArn as string;
    await download(latest.Code?.Location, latest.Configuration?.CodeSha256);
    const versions = await paginate(async (Marker) => {
      const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker }));
      return { items: page.Versions, next: page.NextMarker };
    });
    const aliases = await paginate(async (Marker) => {
      const page = await lambda.send(new ListAliasesCommand({ FunctionName: name, Marker }));
      return { items: page.Aliases, next: page.NextMarker };
    });
    const invokeConfigs = await paginate(async (Marker) => {
      const page = await lambda.send(
        new ListFunctionEventInvokeConfigsCommand({ FunctionName: name, Marker }),
      );
      return { items: page.FunctionEventInvokeConfigs, next: page.NextMarker };
    });
    const reserved = await ifExists(() =>
      lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })),
    );
    const provisioned = await ifExists(() =>
      lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name })),
    ).catch(() => undefined);
    const signing = await ifExists(() =>
      lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name })),
    );
    const published = versions.filter((version) => version.Version && version.Version !== '$LATEST');
    const versionDetails = [];
    for (const version of published) {
      const response = await lambda.send(
        new GetFunctionCommand({ FunctionName: name, Qualifier: version.Version }),
      );
      await download(response.Code?.Location, response.Configuration?.CodeSha256);
      versionDetails.push(response.Configuration);
    }
    const qualifiers = [undefined, ...aliases.map((alias) => alias.Name)];
    const statements: Statement[] = [];
    for (const qualifier of [...qualifiers, ...published.map((version) => version.Version)]) {
      const policy = await ifExists(() =>
        lambda.send(new GetPolicyCommand({ FunctionName: arn, Qualifier: qualifier })),
      );
      if (policy?.Policy) statements.push(...((JSON.parse(policy.Policy).Statement ?? []) as Statement[]));
    }
    const urls = [];
    for (const qualifier of qualifiers)
      urls.push(
        await ifExists(() =>
          lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: qualifier })),
        ),
      );
    const layers = [];
    for (const layer of latest.Configuration?.Layers ?? []) {
      const layerArn = layer.Arn as string;
      const version = Number(layerArn.slice(layerArn.lastIndexOf(':') + 1));
      const content = await lambda.send(
        new GetLayerVersionCommand({
          LayerName: layerArn.slice(0, layerArn.lastIndexOf(':')),
          VersionNumber: version,
        }),
      );
      await download(content.Content?.Location, content.Content?.CodeSha256);
      layers.push(content.LayerVersionArn);
    }

    // Triggers.
    const sourcesFor = (service: string) =>
      statements
        .filter((statement) => {
          const principal = statement.Principal;
          return (typeof principal === 'string' ? principal : principal?.Service) === service;
        })
        .map((statement) => statement.Condition?.ArnLike?.['AWS:SourceArn'] ?? '')
        .filter(Boolean);
    const triggers: unknown[] = mappings.filter((mapping) => mapping.FunctionArn?.startsWith(arn));
    for (const source of sourcesFor('s3.amazonaws.com')) {
      const bucket = source.slice('arn:aws:s3:::'.length);
      const configuration = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      triggers.push(
        ...(configuration.LambdaFunctionConfigurations ?? []).filter((entry) =>
          entry.LambdaFunctionArn?.startsWith(arn),
        ),
      );
    }
    for (const topic of sourcesFor('sns.amazonaws.com')) {
      const subscriptions = await paginate(async (NextToken) => {
        const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic, NextToken }));
        return { items: page.Subscriptions, next: page.NextToken };
      });
      for (const subscription of subscriptions.filter((entry) => entry.Endpoint?.startsWith(arn)))
        triggers.push(
          await sns.send(
            new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
          ),
        );
    }
    for (const bus of buses) {
      const rules = await paginate(async (NextToken) => {
        const page = await events.send(
          new ListRuleNamesByTargetCommand({ TargetArn: arn, EventBusName: bus, NextToken }),
        );
        return { items: page.RuleNames, next: page.NextToken };
      });
      for (const rule of rules) {
        triggers.push(await events.send(new DescribeRuleCommand({ Name: rule, EventBusName: bus })));
        triggers.push(await events.send(new ListTargetsByRuleCommand({ Rule: rule, EventBusName: bus })));
      }
    }
    triggers.push(...schedules.filter((schedule) => schedule.Target?.Arn?.startsWith(arn)));

    await writeFile(
      join(directory, `${name}.json`),
      JSON.stringify({
        configuration: latest.Configuration,
        versions: versionDetails,
        aliases,
        invokeConfigs,
        reserved: reserved?.ReservedConcurrentExecutions,
        provisioned: provisioned?.ProvisionedConcurrencyConfigs,
        signing: signing?.CodeSigningConfigArn,
        statements,
        urls: urls.filter(Boolean).length,
        layers,
        triggers: triggers.length,
      }),
    );
  }
  return { functions: list.length, ms: performance.now() - started, downloads };
}
