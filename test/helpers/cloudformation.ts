import {
  ApiGatewayV2Client,
  CreateIntegrationCommand,
  CreateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  TagResourceCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { client, clientConfig } from '../../src/aws/clients.js';

/**
 * Deploys exported templates (the stage templates, then the final one) as one stack into moto's
 * CloudFormation, and works around what moto 5 lacks, in this test helper only. What moto does and
 * what AWS does, and how the harness bridges it:
 *
 * 1. Types moto's CloudFormation ignores (AWS::Lambda::Alias, Url, EventInvokeConfig,
 *    AWS::Scheduler::Schedule, AWS::SNS::Subscription, AWS::ApiGatewayV2::Integration and Route) or
 *    breaks (AWS::Lambda::LayerVersion: a Ref to it resolves to a Python object and the next update
 *    fails; AWS::Lambda::Version: no physical id, no `Version` attribute, Description and CodeSha256
 *    ignored) are taken out of the copy sent to moto; the harness makes the API call CloudFormation
 *    makes for each, from the template's own properties with every intrinsic resolved, in dependency
 *    order (layers before functions; versions, aliases, URLs and invoke configs after the function;
 *    the rest after the stack update that creates the triggers). References to them in the moto copy
 *    are replaced by the values they resolved to.
 * 2. moto's AWS::Lambda::Function keeps only Code, Role, Runtime, Handler, Description, MemorySize,
 *    Timeout, VpcConfig, Environment and ReservedConcurrentExecutions on create: the harness sets the
 *    other properties (Layers, TracingConfig, EphemeralStorage, …) with UpdateFunctionConfiguration,
 *    and Tags with TagResource, before any version is published.
 * 3. moto applies an update's new resources before its changed ones (AWS follows dependencies): each
 *    template goes to moto in two updates, its functions first, then everything.
 */

type Template = {
  Parameters?: Record<string, { Default?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
};
type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  Condition?: string;
};

/** Types the harness creates itself (see 1). */
const HARNESS_TYPES = new Set([
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Lambda::Url',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Scheduler::Schedule',
  'AWS::SNS::Subscription',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
]);
/** Function properties moto's create ignores (see 2), set by UpdateFunctionConfiguration. */
const IGNORED_FUNCTION_PROPERTIES = [
  'Layers',
  'TracingConfig',
  'EphemeralStorage',
  'DeadLetterConfig',
  'KmsKeyArn',
  'FileSystemConfigs',
  'ImageConfig',
  'LoggingConfig',
  'SnapStart',
];

export interface Deployment {
  /** Resolved values of the harness-made resources and moto's: what Ref and Fn::GetAtt give. */
  refs: Map<string, string>;
  attributes: Map<string, string>;
  /** Layer version ARN each recorded layer logical id got. */
  outputs: Record<string, string>;
  stackStatus: string;
}

export class MotoStack {
  private readonly cfn: CloudFormationClient;
  private readonly refs = new Map<string, string>();
  private readonly attributes = new Map<string, string>();
  private readonly done = new Set<string>();
  private template: Template = { Resources: {} };
  private created = false;

  constructor(
    readonly region: string,
    readonly account: string,
    readonly name: string,
    private readonly parameterValues: Record<string, string> = {},
  ) {
    this.cfn = new CloudFormationClient({ ...clientConfig(region), maxAttempts: 1 });
  }

  private parameter(id: string): string {
    const value = this.parameterValues[id] ?? this.template.Parameters?.[id]?.Default;
    if (value === undefined) throw new Error(`parameter ${id} has no value`);
    return value;
  }

  private condition(id: string): boolean {
    const evaluate = (expression: unknown): boolean => {
      const node = expression as Record<string, unknown[]>;
      if ('Fn::Equals' in node)
        return (
          String(this.resolve(node['Fn::Equals']?.[0])) === String(this.resolve(node['Fn::Equals']?.[1]))
        );
      if ('Fn::Not' in node) return !evaluate(node['Fn::Not']?.[0]);
      if ('Condition' in node) return this.condition(String((node as Record<string, unknown>).Condition));
      throw new Error(`condition ${JSON.stringify(expression)} is not handled`);
    };
    return evaluate(this.template.Conditions?.[id]);
  }

  /** Every intrinsic of `value` resolved (resources already created). */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((entry) => this.resolve(entry));
    if (value === null || typeof value !== 'object') return value;
    const node = value as Record<string, unknown>;
    if ('Ref' in node) {
      const id = String(node.Ref);
      if (id === 'AWS::Region') return this.region;
      if (id === 'AWS::AccountId') return this.account;
      if (id === 'AWS::Partition') return 'aws';
      if (this.template.Parameters?.[id]) return this.parameter(id);
      const resolved = this.refs.get(id);
      if (resolved === undefined) throw new Error(`Ref ${id} is not resolved yet`);
      return resolved;
    }
    if ('Fn::GetAtt' in node) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      const resolved = this.attributes.get(`${id}.${attribute}`);
      if (resolved === undefined) throw new Error(`Fn::GetAtt ${id}.${attribute} is not resolved yet`);
      return resolved;
    }
    if ('Fn::Join' in node) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return (this.resolve(parts) as unknown[]).join(delimiter);
    }
    if ('Fn::If' in node) {
      const [condition, yes, no] = node['Fn::If'] as [string, unknown, unknown];
      return this.resolve(this.condition(condition) ? yes : no);
    }
    return Object.fromEntries(Object.entries(node).map(([key, field]) => [key, this.resolve(field)]));
  }

  /** The copy moto gets: harness types out, references to them replaced by what they resolved to. */
  private motoCopy(only?: (resource: Resource) => boolean): Template {
    const replace = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(replace);
      if (value === null || typeof value !== 'object') return value;
      const node = value as Record<string, unknown>;
      const target =
        'Ref' in node
          ? String(node.Ref)
          : 'Fn::GetAtt' in node
            ? (node['Fn::GetAtt'] as string[])[0]
            : undefined;
      if (target && HARNESS_TYPES.has(this.template.Resources[target]?.Type ?? '')) return this.resolve(node);
      return Object.fromEntries(Object.entries(node).map(([key, field]) => [key, replace(field)]));
    };
    const resources = Object.entries(this.template.Resources).filter(
      ([, resource]) => !HARNESS_TYPES.has(resource.Type) && (!only || only(resource)),
    );
    const ids = new Set(resources.map(([id]) => id));
    return {
      Parameters: this.template.Parameters,
      Conditions: this.template.Conditions,
      Resources: Object.fromEntries(
        resources.map(([id, resource]) => {
          const dependsOn = resource.DependsOn?.filter((dependency) => ids.has(dependency));
          return [
            id,
            replace({ ...resource, DependsOn: dependsOn?.length ? dependsOn : undefined }) as Resource,
          ];
        }),
      ),
    };
  }

  private async settle(): Promise<string> {
    for (;;) {
      const stack = (await this.cfn.send(new DescribeStacksCommand({ StackName: this.name }))).Stacks?.[0];
      const status = stack?.StackStatus ?? 'MISSING';
      if (!status.endsWith('_IN_PROGRESS')) {
        if (!status.endsWith('_COMPLETE') || status.includes('ROLLBACK'))
          throw new Error(`stack ${this.name}: ${status} ${stack?.StackStatusReason ?? ''}`);
        return status;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Sends `template` to moto (create, then updates) and records what Ref and GetAtt give for moto's resources. */
  private async sendToMoto(template: Template): Promise<string> {
    const body = JSON.stringify(JSON.parse(JSON.stringify(template)));
    const Parameters = Object.keys(template.Parameters ?? {}).map((ParameterKey) => ({
      ParameterKey,
      ParameterValue: this.parameter(ParameterKey),
    }));
    try {
      if (this.created)
        await this.cfn.send(new UpdateStackCommand({ StackName: this.name, TemplateBody: body, Parameters }));
      else
        await this.cfn.send(new CreateStackCommand({ StackName: this.name, TemplateBody: body, Parameters }));
    } catch (error) {
      // As in AWS: an update that changes nothing is refused; the stack is as wanted.
      if (!String((error as Error).message).includes('No updates are to be performed')) throw error;
    }
    this.created = true;
    const status = await this.settle();
    const listed =
      (await this.cfn.send(new ListStackResourcesCommand({ StackName: this.name }))).StackResourceSummaries ??
      [];
    for (const entry of listed) {
      const id = entry.LogicalResourceId;
      const resource = id ? this.template.Resources[id] : undefined;
      if (!id || !resource) continue;
      if (resource.Type === 'AWS::Lambda::Function') {
        const name = String(this.resolve(resource.Properties.FunctionName));
        this.refs.set(id, name);
        this.attributes.set(`${id}.Arn`, `arn:aws:lambda:${this.region}:${this.account}:function:${name}`);
      } else if (resource.Type === 'AWS::Events::Rule') {
        const name = String(this.resolve(resource.Properties.Name));
        this.refs.set(id, name);
        this.attributes.set(`${id}.Arn`, `arn:aws:events:${this.region}:${this.account}:rule/${name}`);
      } else if (entry.PhysicalResourceId) this.refs.set(id, entry.PhysicalResourceId);
    }
    return status;
  }

  private lambda() {
    return client(LambdaClient, this.region);
  }

  /** What CloudFormation does for a harness type (see 1); sets its Ref and attributes. */
  private async createHarnessResource(id: string, resource: Resource): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: resolved template properties go to the SDK as they are
    const p = this.resolve(resource.Properties) as Record<string, any>;
    switch (resource.Type) {
      case 'AWS::Lambda::LayerVersion': {
        const published = await this.lambda().send(
          new PublishLayerVersionCommand({
            LayerName: p.LayerName,
            Content: p.Content,
            Description: p.Description,
            CompatibleRuntimes: p.CompatibleRuntimes,
            CompatibleArchitectures: p.CompatibleArchitectures,
            LicenseInfo: p.LicenseInfo,
          }),
        );
        this.refs.set(id, published.LayerVersionArn as string);
        return;
      }
      case 'AWS::Lambda::Version': {
        const published = await this.lambda().send(
          new PublishVersionCommand({
            FunctionName: p.FunctionName,
            Description: p.Description,
            CodeSha256: p.CodeSha256,
          }),
        );
        this.refs.set(id, published.FunctionArn as string);
        this.attributes.set(`${id}.Version`, published.Version as string);
        return;
      }
      case 'AWS::Lambda::Alias': {
        const weights = (p.RoutingConfig?.AdditionalVersionWeights ?? []) as {
          FunctionVersion: string;
          FunctionWeight: number;
        }[];
        const alias = await this.lambda().send(
          new CreateAliasCommand({
            FunctionName: p.FunctionName,
            Name: p.Name,
            FunctionVersion: p.FunctionVersion,
            Description: p.Description,
            RoutingConfig: weights.length
              ? {
                  AdditionalVersionWeights: Object.fromEntries(
                    weights.map((w) => [w.FunctionVersion, w.FunctionWeight]),
                  ),
                }
              : undefined,
          }),
        );
        this.refs.set(id, alias.AliasArn as string);
        return;
      }
      case 'AWS::Lambda::Url':
        await this.lambda().send(
          new CreateFunctionUrlConfigCommand({
            FunctionName: p.TargetFunctionArn,
            Qualifier: p.Qualifier,
            AuthType: p.AuthType,
            Cors: p.Cors,
            InvokeMode: p.InvokeMode,
          }),
        );
        return;
      case 'AWS::Lambda::EventInvokeConfig':
        await this.lambda().send(
          new PutFunctionEventInvokeConfigCommand({
            FunctionName: p.FunctionName,
            Qualifier: p.Qualifier,
            MaximumRetryAttempts: p.MaximumRetryAttempts,
            MaximumEventAgeInSeconds: p.MaximumEventAgeInSeconds,
            DestinationConfig: p.DestinationConfig,
          }),
        );
        return;
      case 'AWS::Scheduler::Schedule':
        await client(SchedulerClient, this.region).send(new CreateScheduleCommand(p as never));
        this.refs.set(id, p.Name);
        return;
      case 'AWS::SNS::Subscription': {
        const attributes = Object.fromEntries(
          Object.entries({
            FilterPolicy: p.FilterPolicy,
            FilterPolicyScope: p.FilterPolicyScope,
            RedrivePolicy: p.RedrivePolicy,
          })
            .filter(([, value]) => value !== undefined)
            .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
        );
        const subscribed = await client(SNSClient, this.region).send(
          new SubscribeCommand({
            TopicArn: p.TopicArn,
            Protocol: p.Protocol,
            Endpoint: p.Endpoint,
            Attributes: attributes,
            ReturnSubscriptionArn: true,
          }),
        );
        this.refs.set(id, subscribed.SubscriptionArn as string);
        return;
      }
      case 'AWS::ApiGatewayV2::Integration': {
        const created = await client(ApiGatewayV2Client, this.region).send(
          new CreateIntegrationCommand(p as never),
        );
        this.refs.set(id, created.IntegrationId as string);
        return;
      }
      case 'AWS::ApiGatewayV2::Route': {
        const created = await client(ApiGatewayV2Client, this.region).send(
          new CreateRouteCommand(p as never),
        );
        this.refs.set(id, created.RouteId as string);
        return;
      }
      default:
        throw new Error(`no harness for ${resource.Type}`);
    }
  }

  /** Creates the harness resources of `types` not made yet, each after what it depends on. */
  private async createHarness(types: string[]): Promise<void> {
    const pending = Object.entries(this.template.Resources).filter(
      ([id, resource]) =>
        types.includes(resource.Type) &&
        !this.done.has(id) &&
        (!resource.Condition || this.condition(resource.Condition)),
    );
    // Dependencies: DependsOn, and Ref / Fn::GetAtt to another pending resource.
    const waitsFor = (resource: Resource) => {
      const text = JSON.stringify(resource);
      return pending
        .filter(
          ([other]) =>
            resource.DependsOn?.includes(other) ||
            text.includes(`"Ref":"${other}"`) ||
            text.includes(`"Fn::GetAtt":["${other}"`),
        )
        .map(([other]) => other);
    };
    while (pending.length) {
      const index = pending.findIndex(([, resource]) =>
        waitsFor(resource).every((other) => this.done.has(other)),
      );
      if (index < 0) throw new Error(`circular dependencies among ${pending.map(([id]) => id).join(', ')}`);
      const [[id, resource]] = pending.splice(index, 1) as [[string, Resource]];
      try {
        await this.createHarnessResource(id, resource);
      } catch (error) {
        throw new Error(`${id} (${resource.Type}): ${(error as Error).name}: ${(error as Error).message}`);
      }
      this.done.add(id);
    }
  }

  /** Sets what moto's create ignores (see 2) on every function of the template. */
  private async completeFunctions(): Promise<void> {
    for (const [id, resource] of Object.entries(this.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      // biome-ignore lint/suspicious/noExplicitAny: resolved template properties go to the SDK as they are
      const p = this.resolve(resource.Properties) as Record<string, any>;
      const update = Object.fromEntries(
        IGNORED_FUNCTION_PROPERTIES.filter((key) => p[key] !== undefined).map((key) => [
          key === 'KmsKeyArn' ? 'KMSKeyArn' : key,
          p[key],
        ]),
      );
      if (Object.keys(update).length)
        await this.lambda().send(
          new UpdateFunctionConfigurationCommand({ FunctionName: this.refs.get(id), ...update }),
        );
      if (p.Tags?.length)
        await this.lambda().send(
          new TagResourceCommand({
            Resource: this.attributes.get(`${id}.Arn`),
            Tags: Object.fromEntries(
              (p.Tags as { Key: string; Value: string }[]).map((tag) => [tag.Key, tag.Value]),
            ),
          }),
        );
    }
  }

  /** Deploys one template of the sequence (stage or final); the stack's status after it. */
  async deploy(template: Record<string, unknown>): Promise<string> {
    this.template = template as unknown as Template;
    await this.createHarness(['AWS::Lambda::LayerVersion']);
    await this.sendToMoto(this.motoCopy((resource) => resource.Type === 'AWS::Lambda::Function'));
    await this.completeFunctions();
    await this.createHarness([
      'AWS::Lambda::Version',
      'AWS::Lambda::Alias',
      'AWS::Lambda::Url',
      'AWS::Lambda::EventInvokeConfig',
    ]);
    const status = await this.sendToMoto(this.motoCopy());
    await this.createHarness([
      'AWS::Scheduler::Schedule',
      'AWS::SNS::Subscription',
      'AWS::ApiGatewayV2::Integration',
      'AWS::ApiGatewayV2::Route',
    ]);
    return status;
  }

  /** The template's outputs, resolved (moto leaves out those of harness resources). */
  outputs(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.template.Outputs ?? {}).map(([id, output]) => [
        id,
        String(this.resolve(output.Value)),
      ]),
    );
  }

  /** Layer version ARN per layer logical id, as published. */
  layerArns(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::LayerVersion')
        .map(([id]) => [id, this.refs.get(id) as string]),
    );
  }
}
