import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { parseOrThrow } from '../../schemas/common.js';
import { type Policy, PolicyFile } from '../../schemas/policy.js';
import { InputValidationError } from '../errors.js';

export const DEFAULT_POLICY_FILE = 'triggervault.policy.yaml';

/** Parses the text of a policy file (YAML or JSON); errors name the file and every failing field. */
export function parsePolicyFile(text: string, source = DEFAULT_POLICY_FILE): PolicyFile {
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}` : '';
    throw new InputValidationError(`invalid policy file ${source}:${where} ${(error as Error).message}`);
  }
  return parseOrThrow(PolicyFile, raw ?? {}, `policy file ${source}`);
}

/** Reads and validates a policy file (default: triggervault.policy.yaml in the working directory). */
export async function loadPolicyFile(path = DEFAULT_POLICY_FILE): Promise<PolicyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputValidationError(`policy file ${path}: cannot be read (${(error as Error).message})`);
  }
  return parsePolicyFile(text, path);
}

/** One policy of a file, by name; the error lists the names there are. */
export function findPolicy(file: PolicyFile, name: string): Policy {
  const policy = file.policies.find((candidate) => candidate.name === name);
  if (!policy) {
    throw new InputValidationError(
      `policy: no policy named "${name}" (the file has ${file.policies.map((p) => p.name).join(', ')})`,
    );
  }
  return policy;
}
