import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const STATE_MACHINE_DIR = fileURLToPath(new URL('../../statemachines/', import.meta.url));

type Json = unknown;
type States = Record<string, Record<string, Json>>;

/** The optimized Lambda integration: the Task's Parameters name the function (FunctionName) and its Payload. */
export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** Placeholder ARN a local run gives each function; deployed, CloudFormation substitutes the real one. */
export const localFunctionArn = (handlerName: string): string =>
  `arn:aws:lambda:us-east-1:123456789012:function:triggervault-${handlerName}`;

/**
 * A `lambda:invoke` Task whose FunctionName is computed, `States.Format('{}-backup-{}', $.taskPrefix,
 * $.item.kind)`: the first `{}` is the deployment's function-name prefix, the rest names the
 * function. `names` matches the function names (after `<prefix>-`) it may invoke.
 */
export interface InvokeTask {
  names: RegExp;
  /** The FunctionName expression, for messages. */
  expression: string;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function invokeTarget(stateName: string, parameters: Record<string, Json> | undefined): InvokeTask {
  const getAtt = (parameters?.FunctionName as Record<string, Json> | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt))
    return { names: new RegExp(`^${literal(String(getAtt[0]))}$`), expression: 'GetAtt' };
  const expression = String(parameters?.['FunctionName.$'] ?? '');
  const format = /^States\.Format\('((?:[^'\\]|\\.)*)'\s*,\s*(.+)\)$/.exec(expression);
  if (!format?.[1]?.startsWith('{}-'))
    throw new Error(
      `state ${stateName}: FunctionName must be Fn::GetAtt or States.Format('{}-…', <prefix path>, …), not ${expression || 'absent'}`,
    );
  const rest = format[1].slice(3).split('{}').map(literal).join('(.+)');
  return { names: new RegExp(`^${rest}$`), expression };
}

/**
 * Loads an ASL YAML file and replaces `{Fn::GetAtt: [name, Arn]}` with a function ARN, as
 * CloudFormation does on deploy. Returns the definition, which Task state runs which handler
 * (`Resource: {Fn::GetAtt: [name, Arn]}`), and which Task states invoke a function by name
 * (`Resource: arn:aws:states:::lambda:invoke`).
 */
export function loadStateMachine(file: string, arnOf: (handlerName: string) => string = localFunctionArn) {
  const raw = parse(readFileSync(`${STATE_MACHINE_DIR}${file}`, 'utf8')) as Json;
  const taskHandlers: Record<string, string> = {};
  const invokeTasks: Record<string, InvokeTask> = {};
  const substitute = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(substitute);
    if (!node || typeof node !== 'object') return node;
    const record = node as Record<string, Json>;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && Object.keys(record).length === 1)
      return arnOf(String(getAtt[0]));
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, substitute(value)]));
  };
  const collectTasks = (states: States) => {
    for (const [name, state] of Object.entries(states)) {
      const resource = state.Resource;
      const getAtt = (resource as Record<string, Json> | undefined)?.['Fn::GetAtt'];
      if (state.Type === 'Task' && Array.isArray(getAtt)) taskHandlers[name] = String(getAtt[0]);
      else if (state.Type === 'Task' && resource === LAMBDA_INVOKE)
        invokeTasks[name] = invokeTarget(name, state.Parameters as Record<string, Json> | undefined);
      else if (state.Type === 'Task')
        throw new Error(`state ${name}: unsupported Resource ${JSON.stringify(resource)}`);
      const processor = (state.ItemProcessor ?? state.Iterator) as { States?: States } | undefined;
      if (processor?.States) collectTasks(processor.States);
      for (const branch of (state.Branches as { States: States }[] | undefined) ?? [])
        collectTasks(branch.States);
    }
  };
  collectTasks((raw as { States: States }).States);
  return { definition: substitute(raw) as Record<string, Json>, taskHandlers, invokeTasks };
}
