import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const STATE_MACHINE_DIR = fileURLToPath(new URL('../../statemachines/', import.meta.url));

type Json = unknown;

/** Placeholder ARN a local run gives each function; deployed, CloudFormation substitutes the real one. */
export const localFunctionArn = (handlerName: string): string =>
  `arn:aws:lambda:us-east-1:123456789012:function:triggervault-${handlerName}`;

/**
 * Loads an ASL YAML file and replaces `{Fn::GetAtt: [name, Arn]}` with a function ARN, as
 * CloudFormation does on deploy. Returns the definition and which Task state runs which handler.
 */
export function loadStateMachine(file: string, arnOf: (handlerName: string) => string = localFunctionArn) {
  const raw = parse(readFileSync(`${STATE_MACHINE_DIR}${file}`, 'utf8')) as Json;
  const taskHandlers: Record<string, string> = {};
  const substitute = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(substitute);
    if (!node || typeof node !== 'object') return node;
    const record = node as Record<string, Json>;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && Object.keys(record).length === 1)
      return arnOf(String(getAtt[0]));
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, substitute(value)]));
  };
  const collectTasks = (states: Record<string, Record<string, Json>>) => {
    for (const [name, state] of Object.entries(states)) {
      const resource = (state.Resource as Record<string, Json> | undefined)?.['Fn::GetAtt'];
      if (state.Type === 'Task' && Array.isArray(resource)) taskHandlers[name] = String(resource[0]);
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States?: Record<string, Record<string, Json>> }
        | undefined;
      if (processor?.States) collectTasks(processor.States);
      for (const branch of (state.Branches as
        | { States: Record<string, Record<string, Json>> }[]
        | undefined) ?? [])
        collectTasks(branch.States);
    }
  };
  collectTasks((raw as { States: Record<string, Record<string, Json>> }).States);
  return { definition: substitute(raw) as Record<string, Json>, taskHandlers };
}
