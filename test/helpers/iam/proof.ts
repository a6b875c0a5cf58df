import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDenialReasons, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { HANDLERS } from '../../../deploy/handlers.js';
import type { RecordedCall } from '../../../src/aws/call-log.js';
import { type IamRequest, type MappingContext, requestsOf } from './requests.js';
import { type Cfn, type ResolvedResource, resolveTemplate } from './resolve-template.js';

/**
 * The permission proof: every AWS call a handler made in the test suites, replayed as the IAM
 * requests AWS would authorize, against the packaged stack's resolved policies — the handler's role
 * (its AWS::IAM::Policy and inline policies) and the resource policy of the stack resource it touches
 * (key policy, bucket, topic, queue policy) — with @cloud-copilot/iam-simulate (AGPL, test only).
 *
 * Locally a handler runs with the test's store, topic and queue; deployed it gets the stack's. The
 * call log keeps which values the handler had (bindings); here they are replaced by the stack's
 * (the deployed function's environment), so the store bucket is BackupBucket, and so on.
 */

export const ACCOUNT = '123456789012';
export const STACK_REGION = 'us-east-1';
const STACK_NAME = 'triggervault-dev';
const FUNCTION_PREFIX = `${STACK_NAME}-`;
/** The backup machine's handlers: the stores they write are the stack's bucket. */
const BACKUP_HANDLERS = new Set(
  HANDLERS.filter((spec) => spec.machine === 'backup').map((spec) => spec.name),
);

export interface Verdict {
  handler: string;
  call: string;
  request: IamRequest;
  allowed: boolean;
  reasons?: string;
}

interface Policy {
  name: string;
  policy: Cfn;
}

/** The deployed stack as IAM sees it. */
export class Stack {
  readonly resources: Record<string, ResolvedResource>;
  readonly mapping: MappingContext;

  constructor(template: Cfn) {
    this.resources = resolveTemplate(template, {
      account: ACCOUNT,
      region: STACK_REGION,
      stackName: STACK_NAME,
    });
    const encryptedBy = new Map<string, string>();
    const keyArn = (reference: string) =>
      Object.values(this.resources).find(
        (resource) =>
          resource.Type === 'AWS::KMS::Key' && (resource.ref === reference || resource.arn === reference),
      )?.arn ?? reference;
    for (const resource of Object.values(this.resources)) {
      const properties = resource.Properties;
      const bucketKey =
        properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault
          ?.KMSMasterKeyID;
      if (resource.Type === 'AWS::S3::Bucket' && bucketKey)
        encryptedBy.set(resource.arn as string, keyArn(bucketKey));
      // A topic's Ref is its ARN; a queue's ARN is its Arn attribute.
      if (resource.Type === 'AWS::SNS::Topic' && properties.KmsMasterKeyId)
        encryptedBy.set(resource.ref, keyArn(properties.KmsMasterKeyId));
      if (resource.Type === 'AWS::SQS::Queue' && properties.KmsMasterKeyId)
        encryptedBy.set(resource.arn as string, keyArn(properties.KmsMasterKeyId));
    }
    const signingKey = Object.values(this.resources).find(
      (resource) => resource.Type === 'AWS::KMS::Key' && resource.Properties.KeyUsage === 'SIGN_VERIFY',
    );
    this.mapping = {
      account: ACCOUNT,
      partition: 'aws',
      stackRegion: STACK_REGION,
      encryptedBy,
      signingKeyArn: signingKey?.arn as string | undefined,
    };
  }

  private ofType(type: string): [string, ResolvedResource][] {
    return Object.entries(this.resources).filter(([, resource]) => resource.Type === type);
  }

  /** The deployed function of a handler (deploy/handlers.ts name). */
  functionOf(handler: string): ResolvedResource {
    const found = this.ofType('AWS::Lambda::Function').find(
      ([, fn]) => fn.Properties.FunctionName === `${FUNCTION_PREFIX}${handler}`,
    );
    if (!found) throw new Error(`the packaged stack has no function for handler ${handler}`);
    return found[1];
  }

  handlers(): string[] {
    return this.ofType('AWS::Lambda::Function').map(([, fn]) =>
      String(fn.Properties.FunctionName).slice(FUNCTION_PREFIX.length),
    );
  }

  /** A role's identity policies: its inline policies and the AWS::IAM::Policy resources attached to it. */
  identityPolicies(roleArn: string): Policy[] {
    const role = this.ofType('AWS::IAM::Role').find(([, candidate]) => candidate.arn === roleArn);
    if (!role) throw new Error(`no role ${roleArn} in the stack`);
    const [roleId, resource] = role;
    if (resource.Properties.ManagedPolicyArns?.length)
      throw new Error(`${roleId}: managed policies are not evaluated; give their documents inline`);
    return [
      ...((resource.Properties.Policies ?? []) as Cfn[]).map((policy) => ({
        name: `${roleId}/${policy.PolicyName}`,
        policy: policy.PolicyDocument,
      })),
      ...this.ofType('AWS::IAM::Policy')
        .filter(([, policy]) => (policy.Properties.Roles as string[]).includes(resource.ref))
        .map(([id, policy]) => ({ name: id, policy: policy.Properties.PolicyDocument })),
    ];
  }

  roleOf(handler: string): string {
    return this.functionOf(handler).Properties.Role as string;
  }

  /** The resource policy of a stack resource (bucket, topic, queue, key), if the request names one. */
  resourcePolicy(resource: string): Policy | undefined {
    if (resource.startsWith('arn:aws:s3:::')) {
      const bucket = resource.slice('arn:aws:s3:::'.length).split('/')[0];
      const found = this.ofType('AWS::S3::BucketPolicy').find(
        ([, policy]) => policy.Properties.Bucket === bucket,
      );
      return found && { name: found[0], policy: found[1].Properties.PolicyDocument };
    }
    if (resource.startsWith('arn:aws:sns:')) {
      const found = this.ofType('AWS::SNS::TopicPolicy').find(([, policy]) =>
        (policy.Properties.Topics as string[]).includes(resource),
      );
      return found && { name: found[0], policy: found[1].Properties.PolicyDocument };
    }
    if (resource.startsWith('arn:aws:sqs:')) {
      const name = resource.split(':')[5];
      const found = this.ofType('AWS::SQS::QueuePolicy').find(([, policy]) =>
        (policy.Properties.Queues as string[]).some((url) => url.endsWith(`/${name}`)),
      );
      return found && { name: found[0], policy: found[1].Properties.PolicyDocument };
    }
    if (resource.startsWith('arn:aws:kms:')) {
      const found = this.ofType('AWS::KMS::Key').find(([, key]) => key.arn === resource);
      if (found) return { name: found[0], policy: found[1].Properties.KeyPolicy };
      // A key outside the stack: AWS's default key policy (the account delegates to IAM).
      return {
        name: 'default key policy',
        policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        },
      };
    }
    return undefined;
  }

  /**
   * The local values a call ran with → the stack's (store bucket → BackupBucket, topic → ResultsTopic,
   * …). The store an event names is the stack's bucket when it is one the backup machine writes
   * (`backupStores`); otherwise it is another store, such as a copy a restore reads from.
   */
  deployed(call: RecordedCall, backupStores: Set<string>): RecordedCall {
    const environment = (this.functionOf(call.handler).Properties.Environment?.Variables ?? {}) as Record<
      string,
      string
    >;
    const values = new Map<string, string>();
    /** A local store (bucket and key prefix) → the stack's store (its bucket, at the root). */
    const stores = new Map<string, { prefix: string; to: string }>();
    const storeOf = (url: string) => {
      if (!url.startsWith('s3://')) return undefined;
      const [bucket = '', ...rest] = url.slice(5).split('/');
      return { bucket, prefix: rest.filter(Boolean).join('/') };
    };
    for (const [name, local] of Object.entries(call.bindings)) {
      if (name === 'store' && !backupStores.has(local) && local !== call.bindings.TRIGGERVAULT_STORE)
        continue;
      const stackValue = environment[name === 'store' ? 'TRIGGERVAULT_STORE' : name];
      if (!stackValue) continue;
      values.set(local, stackValue);
      const [from, to] = [storeOf(local), storeOf(stackValue)];
      if (from && to) stores.set(from.bucket, { prefix: from.prefix, to: to.bucket });
    }
    const unprefixed = (key: string, prefix: string) =>
      prefix && (key === prefix || key.startsWith(`${prefix}/`)) ? key.slice(prefix.length + 1) : key;
    /** Bucket fields and the key fields beside them (Key, Prefix, an export's S3Prefix…). */
    const rename = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rename);
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        const bucket = [record.Bucket, record.S3Bucket].find((b) => typeof b === 'string' && stores.has(b));
        const store = bucket ? stores.get(bucket as string) : undefined;
        // A store write names its KMS key: deployed, the one TRIGGERVAULT_STORE_KMS_KEY gives (the
        // stack's backup key) whatever store it is, where locally it is the store bucket's own key.
        const storeWrite =
          typeof record.SSEKMSKeyId === 'string' &&
          typeof record.Key === 'string' &&
          /(^|\/)(runs|blobs|tmp)\//.test(record.Key) &&
          environment.TRIGGERVAULT_STORE_KMS_KEY;
        return Object.fromEntries(
          Object.entries(record).map(([key, item]) => {
            if (storeWrite && key === 'SSEKMSKeyId') return [key, environment.TRIGGERVAULT_STORE_KMS_KEY];
            if (store && ['Bucket', 'S3Bucket'].includes(key)) return [key, store.to];
            if (
              store &&
              ['Key', 'Prefix', 'S3Prefix', 'S3KeyPrefix'].includes(key) &&
              typeof item === 'string'
            )
              return [key, unprefixed(item, store.prefix)];
            return [key, rename(item)];
          }),
        );
      }
      if (typeof value !== 'string') return value;
      if (values.has(value)) return values.get(value);
      for (const [from, { prefix, to }] of stores) {
        const base = prefix ? `${from}/${prefix}` : from;
        if (value.startsWith(`${base}/`)) return `${to}${value.slice(base.length)}`;
        if (value.startsWith(`/${base}/`)) return `/${to}${value.slice(base.length + 1)}`;
      }
      return value;
    };
    return { ...call, input: rename(call.input) as Record<string, unknown> };
  }
}

const session = (roleArn: string, handler: string) =>
  `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${FUNCTION_PREFIX}${handler}`;

/** Evaluates one request as `roleArn` (a handler's role, or another's as a negative control). */
export async function evaluate(
  stack: Stack,
  handler: string,
  roleArn: string,
  request: IamRequest,
  identityPolicies = stack.identityPolicies(roleArn),
): Promise<{ allowed: boolean; reasons?: string }> {
  const resourcePolicy = stack.resourcePolicy(request.resource);
  const simulation = {
    request: {
      principal: session(roleArn, handler),
      action: request.action,
      resource: {
        resource: request.resource,
        accountId: String(request.context['aws:ResourceAccount'] ?? ACCOUNT),
      },
      contextVariables: { ...request.context, 'aws:PrincipalArn': roleArn, 'aws:PrincipalAccount': ACCOUNT },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy: resourcePolicy.policy } : {}),
  };
  const result = await runSimulation(simulation, { simulationMode: 'Strict' });
  // iam-data lacks some API Gateway paths (v2's /apis/..., some v1 sub-resources): validation answers
  // no.resource.types, and those requests are evaluated without it, by the same engine.
  if (
    result.resultType === 'error' &&
    request.action.startsWith('apigateway:') &&
    JSON.stringify(result.errors).includes('no.resource.types')
  ) {
    const outcome = runUnsafeSimulation(simulation, { simulationMode: 'Strict' });
    return outcome === 'Allowed'
      ? { allowed: true }
      : { allowed: false, reasons: `${outcome} (unvalidated: iam-data lacks the path)` };
  }
  if (result.resultType === 'error')
    throw new Error(
      `cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  if (result.resultType !== 'single')
    throw new Error(
      `${request.action} on ${request.resource}: unexpected simulation result ${result.resultType}`,
    );
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length)
    throw new Error(
      `${request.action} on ${request.resource}: context keys that do not apply: ${ignored.join(', ')}`,
    );
  if (result.overallResult === 'Allowed') return { allowed: true };
  const reasons = getDenialReasons(result.result.analysis)
    .map((reason) => JSON.stringify(reason))
    .join('; ');
  return {
    allowed: false,
    reasons: `${result.overallResult}${resourcePolicy ? ` (with ${resourcePolicy.name})` : ''} ${reasons}`,
  };
}

/**
 * A service principal's request (CloudWatch Logs, EventBridge Scheduler…) against a resource policy of
 * the stack: a key policy, or a role's trust policy for sts:AssumeRole (`trustOf`).
 */
export async function evaluateService(
  service: string,
  request: IamRequest,
  resourcePolicy: Cfn,
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: service,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: request.context,
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType !== 'single')
    throw new Error(`cannot evaluate ${request.action} for ${service}: ${JSON.stringify(result)}`);
  return result.overallResult === 'Allowed';
}

/** IAM wildcard match (`*` any run, `?` one character), whole string. */
const globMatches = (pattern: string, value: string, flags = '') =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  ).test(value);

/**
 * Requests that cannot differ in outcome are evaluated once: same role, action, context and resource
 * policy, and a resource that every Resource/NotResource pattern of those policies matches alike
 * (whole-string and case-insensitive, a refinement of IAM's matching).
 */
function signature(stack: Stack, roleArn: string, request: IamRequest, patterns: string[]): string {
  const bits = patterns
    .map(
      (pattern) =>
        `${globMatches(pattern, request.resource) ? 1 : 0}${globMatches(pattern, request.resource, 'i') ? 1 : 0}`,
    )
    .join('');
  const resourcePolicy = stack.resourcePolicy(request.resource)?.name ?? '';
  const account = request.resource.split(':')[4] ?? '';
  return JSON.stringify([
    roleArn,
    request.action,
    request.context,
    resourcePolicy,
    account,
    request.resource === '*',
    bits,
  ]);
}

function resourcePatterns(policies: Policy[]): string[] {
  const patterns = new Set<string>();
  for (const { policy } of policies)
    for (const statement of [policy.Statement].flat())
      for (const resource of [statement.Resource ?? [], statement.NotResource ?? []].flat())
        patterns.add(String(resource));
  return [...patterns];
}

export function readCalls(directory: string): RecordedCall[] {
  if (!existsSync(directory)) return [];
  const lines = new Set<string>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.jsonl')))
    for (const line of readFileSync(join(directory, file), 'utf8').split('\n')) if (line) lines.add(line);
  return [...lines].map((line) => JSON.parse(line) as RecordedCall);
}

/**
 * GetRecords names no stream (its shard iterator does): AWS authorizes it on the stream the iterator
 * was issued for, i.e. one the same handler asked GetShardIterator for in that region.
 */
function withIteratorStreams(calls: RecordedCall[]): RecordedCall[] {
  const scopeOf = (call: RecordedCall) => JSON.stringify([call.handler, call.region, call.bindings]);
  const streams = new Map<string, Set<string>>();
  for (const call of calls.filter((c) => c.command === 'GetShardIteratorCommand')) {
    const stream = String(call.input.StreamARN ?? call.input.StreamName);
    streams.set(scopeOf(call), (streams.get(scopeOf(call)) ?? new Set()).add(stream));
  }
  return calls.flatMap((call) => {
    if (call.command !== 'GetRecordsCommand' || call.input.StreamARN || call.input.StreamName) return [call];
    const named = [...(streams.get(scopeOf(call)) ?? [])];
    if (!named.length) throw new Error(`${call.handler}: GetRecords without a GetShardIterator before it`);
    return named.map((stream) => ({
      ...call,
      input: {
        ...call.input,
        ...(stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream }),
      },
    }));
  });
}

export interface ProofResult {
  verdicts: Verdict[];
  /** Distinct requests evaluated (after grouping equivalent ones). */
  evaluations: number;
  /** Calls per handler. */
  calls: Map<string, RecordedCall[]>;
}

/** Replays `calls`, each as its handler's role (or `asRole(handler)` instead: negative controls). */
export async function prove(
  stack: Stack,
  calls: RecordedCall[],
  asRole?: (handler: string) => string,
): Promise<ProofResult> {
  const verdicts: Verdict[] = [];
  const cache = new Map<string, { allowed: boolean; reasons?: string }>();
  const byHandler = new Map<string, RecordedCall[]>();
  const policiesOf = new Map<string, Policy[]>();
  const backupStores = new Set(
    calls
      .filter((call) => BACKUP_HANDLERS.has(call.handler) && call.bindings.store)
      .map((call) => call.bindings.store as string),
  );
  for (const call of withIteratorStreams(calls))
    byHandler.set(call.handler, [...(byHandler.get(call.handler) ?? []), call]);
  for (const [handler, handlerCalls] of byHandler) {
    const roleArn = asRole ? asRole(handler) : stack.roleOf(handler);
    if (!policiesOf.has(roleArn)) policiesOf.set(roleArn, stack.identityPolicies(roleArn));
    const policies = policiesOf.get(roleArn) as Policy[];
    for (const call of handlerCalls) {
      const deployed = stack.deployed(call, backupStores);
      const label = `${call.client.replace(/Client$/, '')}.${call.command.replace(/Command$/, '')}`;
      for (const request of await requestsOf(deployed, stack.mapping)) {
        const resourcePolicy = stack.resourcePolicy(request.resource);
        const key = signature(
          stack,
          roleArn,
          request,
          resourcePatterns(resourcePolicy ? [...policies, resourcePolicy] : policies),
        );
        if (!cache.has(key)) cache.set(key, await evaluate(stack, handler, roleArn, request, policies));
        const outcome = cache.get(key) as { allowed: boolean; reasons?: string };
        verdicts.push({ handler, call: label, request, allowed: outcome.allowed, reasons: outcome.reasons });
      }
    }
  }
  return { verdicts, evaluations: cache.size, calls: byHandler };
}
