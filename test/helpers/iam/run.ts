import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packagedStack, ROOT } from '../packaged-stack.js';
import { evaluate, prove, readCalls, Stack, type Verdict } from './proof.js';

/**
 * Global teardown's part: replays the run's call log (TRIGGERVAULT_CALL_LOG) against the packaged
 * stack, writes test-results/permission-proof.txt (denied calls, operations no suite made, grants no
 * call used) and fails the run on any denied call, naming handler, action and resource.
 */

/** SDK package → the client name the call log records. */
const CLIENT_OF_PACKAGE: Record<string, string> = {
  'client-s3': 'S3Client',
  'client-lambda': 'LambdaClient',
  'client-dynamodb': 'DynamoDBClient',
  'client-kinesis': 'KinesisClient',
  'client-sqs': 'SQSClient',
  'client-sns': 'SNSClient',
  'client-eventbridge': 'EventBridgeClient',
  'client-scheduler': 'SchedulerClient',
  'client-sfn': 'SFNClient',
  'client-api-gateway': 'APIGatewayClient',
  'client-apigatewayv2': 'ApiGatewayV2Client',
  'client-sts': 'STSClient',
  'client-ec2': 'EC2Client',
  'client-cloudtrail': 'CloudTrailClient',
  'client-cloudfront': 'CloudFrontClient',
  'client-kms': 'KMSClient',
  'client-iam': 'IAMClient',
  'client-backup': 'BackupClient',
  'client-cloudformation': 'CloudFormationClient',
  'client-account': 'AccountClient',
  'client-ecr': 'ECRClient',
};
/** Code that never runs in a deployed handler (command line, emulator, seeding, HTML report). */
const NOT_IN_HANDLERS = ['src/cli/', 'src/local/', 'src/report/'];

/** Every `Client.Operation` the handlers' code can call: the commands src/ imports from @aws-sdk/client-*. */
export function operationsInCode(): Set<string> {
  const operations = new Set<string>();
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (
        path.endsWith('.ts') &&
        !NOT_IN_HANDLERS.some((prefix) => relative(ROOT, path).startsWith(prefix))
      ) {
        const text = readFileSync(path, 'utf8');
        for (const match of text.matchAll(
          /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g,
        )) {
          const client = CLIENT_OF_PACKAGE[match[2] as string];
          if (!client)
            throw new Error(
              `${relative(ROOT, path)}: no client name for @aws-sdk/${match[2]} (CLIENT_OF_PACKAGE)`,
            );
          for (const name of (match[1] as string).split(',').map((part) => part.trim().split(/\s+as\s+/)[0]))
            if (name?.endsWith('Command'))
              operations.add(`${client.replace(/Client$/, '')}.${name.replace(/Command$/, '')}`);
        }
      }
    }
  };
  walk(join(ROOT, 'src'));
  return operations;
}

const globToRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

function deniedText(denied: Verdict[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const verdict of denied) {
    const line = `DENIED ${verdict.handler}: ${verdict.request.action} on ${verdict.request.resource} (${verdict.call}${verdict.request.implied ? `; ${verdict.request.implied}` : ''})`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(`${line}\n    ${verdict.reasons ?? ''}`);
  }
  return lines;
}

export async function runPermissionProof(callLog: string | undefined): Promise<void> {
  const calls = callLog ? readCalls(callLog) : [];
  if (!calls.length) {
    console.log('permission proof: no handler made an AWS call in this run (no integration/e2e suite ran)');
    return;
  }
  const started = Date.now();
  const { template } = await packagedStack();
  const stack = new Stack(template);
  const { verdicts, evaluations, calls: byHandler } = await prove(stack, calls);
  const denied = verdicts.filter((verdict) => !verdict.allowed);

  // Negative control: the same calls as verify's role (it only reads the store) must be denied somewhere.
  const control = await prove(stack, calls, (handler) =>
    stack.roleOf(handler === 'verify' ? 'plan' : 'verify'),
  );
  const controlDenied = new Map<string, number>();
  for (const verdict of control.verdicts.filter((v) => !v.allowed))
    controlDenied.set(verdict.handler, (controlDenied.get(verdict.handler) ?? 0) + 1);

  const made = new Set(
    calls.map((call) => `${call.client.replace(/Client$/, '')}.${call.command.replace(/Command$/, '')}`),
  );
  const unproven = [...operationsInCode()].filter((operation) => !made.has(operation)).sort();

  const unexercised: string[] = [];
  for (const handler of stack.handlers()) {
    const used = verdicts.filter((v) => v.handler === handler && v.allowed).map((v) => v.request.action);
    for (const { policy, name } of stack.identityPolicies(stack.roleOf(handler)))
      for (const statement of [policy.Statement]
        .flat()
        .filter((s: { Effect: string }) => s.Effect === 'Allow'))
        for (const action of [statement.Action].flat() as string[])
          if (
            !/^logs:(CreateLogStream|PutLogEvents)$/.test(action) &&
            !used.some((u) => globToRegExp(action).test(u))
          )
            unexercised.push(`${handler}: ${action} (${statement.Sid ?? name})`);
  }

  // An exercised statement should matter: without it, some recorded call is denied. One that no call
  // misses overlaps another (reported, not failed: a store read through a broader grant is legitimate).
  const redundant: string[] = [];
  for (const handler of byHandler.keys()) {
    const role = stack.roleOf(handler);
    const policies = stack.identityPolicies(role);
    const allowed = verdicts.filter((v) => v.handler === handler && v.allowed);
    for (const [policyIndex, { policy }] of policies.entries())
      for (const statement of [policy.Statement].flat() as {
        Sid?: string;
        Effect: string;
        Action: string | string[];
      }[]) {
        if (statement.Effect !== 'Allow') continue;
        const actions = [statement.Action].flat().map(globToRegExp);
        const resources = [(statement as { Resource?: string | string[] }).Resource ?? '*']
          .flat()
          .map((resource) => new RegExp(globToRegExp(resource).source));
        const candidates = new Map<string, Verdict>();
        for (const verdict of allowed)
          if (
            actions.some((action) => action.test(verdict.request.action)) &&
            resources.some((resource) => resource.test(verdict.request.resource))
          )
            candidates.set(JSON.stringify(verdict.request), verdict);
        if (!candidates.size) continue;
        const without = policies.map((entry, index) =>
          index === policyIndex
            ? {
                ...entry,
                policy: {
                  ...entry.policy,
                  Statement: [entry.policy.Statement].flat().filter((s: unknown) => s !== statement),
                },
              }
            : entry,
        );
        // Up to 25 requests it could grant; one the resource policy grants by itself (the key policy
        // names every handler role) exercises no identity statement and is skipped.
        let tested = 0;
        let matters = false;
        for (const verdict of candidates.values()) {
          if (tested >= 25) break;
          if ((await evaluate(stack, handler, role, verdict.request, [])).allowed) continue;
          tested += 1;
          if (!(await evaluate(stack, handler, role, verdict.request, without)).allowed) {
            matters = true;
            break;
          }
        }
        if (!tested) continue;
        if (!matters)
          redundant.push(
            `${handler}: ${statement.Sid ?? JSON.stringify(statement.Action)} (${tested} requests tested, all still allowed without it)`,
          );
      }
  }

  const report = [
    `Permission proof: ${calls.length} distinct recorded calls of ${byHandler.size} handlers, ${verdicts.length} IAM requests, ${evaluations} evaluations, ${Date.now() - started} ms`,
    '',
    `Denied (${denied.length}):`,
    ...deniedText(denied),
    '',
    "Negative control (each handler's calls as verify's role; verify's as plan's): denied requests per handler",
    ...[...byHandler.keys()]
      .sort()
      .map(
        (handler) =>
          `  ${handler}: ${controlDenied.get(handler) ?? 0} of ${control.verdicts.filter((v) => v.handler === handler).length}`,
      ),
    '',
    `Exercised statements no call needs (redundant) (${redundant.length}):`,
    ...redundant.map((line) => `  ${line}`),
    '',
    `Unproven operations (in handler code, made by no handler in this run) (${unproven.length}):`,
    ...unproven.map((operation) => `  ${operation}`),
    '',
    `Grants no recorded call used (${unexercised.length}):`,
    ...unexercised.map((line) => `  ${line}`),
  ].join('\n');
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const file = join(ROOT, 'test-results', 'permission-proof.txt');
  writeFileSync(file, `${report}\n`);
  console.log(
    `\npermission proof: ${verdicts.length - denied.length} of ${verdicts.length} requests allowed; ${unproven.length} operations unproven, ${unexercised.length} grants unused (${relative(ROOT, file)})`,
  );
  if (denied.length)
    throw new Error(
      `permission proof: ${denied.length} requests would be denied:\n${deniedText(denied).join('\n')}`,
    );
  if (![...controlDenied.values()].some((count) => count > 0))
    throw new Error('permission proof: the negative control denied nothing: the evaluation proves nothing');
}
