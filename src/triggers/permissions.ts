import { type PolicyStatement, sourceArnOf } from '../aws/lambda-policy.js';
import type { FunctionRef } from './types.js';

/** True when `arn` is the function itself or one of its versions/aliases. */
export function targetsFunction(arn: string | undefined, fn: FunctionRef): boolean {
  if (!arn) return false;
  return arn === fn.arn || arn.startsWith(`${fn.arn}:`);
}

const principalService = (statement: PolicyStatement): string | undefined => {
  const principal = statement.Principal as { Service?: string } | string | undefined;
  return typeof principal === 'string' ? principal : principal?.Service;
};

/** Glob match as Lambda applies it to `AWS:SourceArn` conditions (`*` and `?`). */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(arn);
}

/** The statements for `service` whose SourceArn pattern `covers` accepts; a statement with no SourceArn covers all. */
function statementsFor(
  fn: FunctionRef,
  service: string,
  covers: (pattern: string) => boolean,
): PolicyStatement[] {
  return fn.policy.filter((statement) => {
    if (principalService(statement) !== service) return false;
    const condition = sourceArnOf(statement);
    return !condition || covers(condition);
  });
}

/**
 * The statements that allow `service` (e.g. `s3.amazonaws.com`) to invoke the function, optionally
 * only those whose SourceArn condition covers `sourceArn`. A statement with no SourceArn covers all.
 */
export function permissionsFor(fn: FunctionRef, service: string, sourceArn?: string): PolicyStatement[] {
  return statementsFor(fn, service, (pattern) => !sourceArn || arnMatches(pattern, sourceArn));
}

/** The SourceArns named by the statements that let `service` invoke the function. */
export function sourceArnsFor(fn: FunctionRef, service: string): string[] {
  return permissionsFor(fn, service)
    .map(sourceArnOf)
    .filter((arn): arn is string => arn !== undefined);
}

/**
 * The statements that let API Gateway invoke the function through `apiArn` (`arn:aws:execute-api:R:ACCT:ID`)
 * for any of `routes` (`GET/orders`, `$default`, `$connect`, …). Execute-api ARNs carry a stage the
 * integration does not know, so each pattern is tested with its own stage segment.
 */
export function permissionsForExecuteApi(
  fn: FunctionRef,
  apiArn: string,
  routes: string[],
): PolicyStatement[] {
  const prefix = `${apiArn}/`;
  return statementsFor(fn, 'apigateway.amazonaws.com', (pattern) => {
    const stage = pattern.startsWith(prefix) ? pattern.slice(prefix.length).split('/')[0] : '*';
    return routes.some((route) => arnMatches(pattern, `${prefix}${stage}/${route}`));
  });
}
