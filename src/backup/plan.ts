import { randomBytes } from 'node:crypto';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { KIND_NAMES, KindName, parseOrThrow } from '../../schemas/common.js';
import { type KindNames, NAME_ALIASES, RunInput, RunPlan } from '../../schemas/run-input.js';
import { client } from '../aws/clients.js';
import { InputValidationError } from '../errors.js';
import { planKey } from '../store/layout.js';
import { openStore } from '../store/open.js';

/** Run ids sort by start time, to the millisecond (the suffix starts with it in base 36). */
/** Run ids sort by start time to the millisecond: the suffix begins with it in base 36. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${now.getUTCMilliseconds().toString(36).padStart(2, '0')}${randomBytes(2).toString('hex')}`;
}

/** The deployment's kinds (TRIGGERVAULT_KINDS, comma-separated), validated like the run input. */
function configuredKinds(): KindName[] | undefined {
  const listed = process.env.TRIGGERVAULT_KINDS?.split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  return listed?.length ? parseOrThrow(z.array(KindName), listed, 'TRIGGERVAULT_KINDS') : undefined;
}

/**
 * The name globs of every kind but functions: `names[kind]`, else its alias field (`tables`,
 * `buckets`, `streams`), else the policy's globs (they apply to every kind), else none (only what the
 * functions are wired to). Naming a kind in both `names` and its alias is ambiguous: refused.
 */
function namePatterns(input: RunInput, policyNames: string[] | undefined): KindNames {
  const names: KindNames = { ...input.names };
  for (const [alias, kind] of Object.entries(NAME_ALIASES)) {
    const given = input[alias as keyof typeof NAME_ALIASES];
    if (given === undefined) continue;
    if (names[kind] !== undefined)
      throw new InputValidationError(`invalid run input: ${alias}: names["${kind}"] is given too`);
    names[kind] = given;
  }
  for (const kind of KIND_NAMES)
    if (kind !== 'lambda-function' && names[kind] === undefined && policyNames) names[kind] = policyNames;
  return names;
}

/** Regions enabled for the account (opted in or not requiring opt-in), or the configured list. */
export async function enabledRegions(): Promise<string[]> {
  const configured = process.env.TRIGGERVAULT_REGIONS?.split(',')
    .map((region) => region.trim())
    .filter(Boolean);
  if (configured?.length) return configured;
  const home = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const response = await client(EC2Client, home).send(new DescribeRegionsCommand({}));
  return (response.Regions ?? [])
    .map((region) => region.RegionName ?? '')
    .filter(Boolean)
    .sort();
}

/**
 * Validates the run input (`{}` is valid), resolves every default and records the plan in the
 * store. With `resume`, the stored plan of that run is returned unchanged so the run continues.
 */
export async function planRun(
  rawInput: unknown,
  defaultStore = process.env.TRIGGERVAULT_STORE,
): Promise<RunPlan> {
  const input = parseOrThrow(RunInput, rawInput ?? {}, 'run input');
  const storeUrl = input.store ?? defaultStore;
  if (!storeUrl)
    throw new InputValidationError(
      'invalid run input: store: no store given and TRIGGERVAULT_STORE is not set',
    );
  const store = openStore(storeUrl);
  if (input.resume && input.redrive) {
    throw new InputValidationError('invalid run input: redrive: cannot be combined with resume');
  }
  const continued = input.resume ?? input.redrive?.runId;
  if (continued) {
    const field = input.resume ? 'resume' : 'redrive.runId';
    const stored = await store.getJson(planKey(continued));
    if (!stored) {
      throw new InputValidationError(
        `invalid run input: ${field}: run ${continued} has no plan in ${store.url}`,
      );
    }
    const plan = parseOrThrow(RunPlan, stored, `stored plan of run ${continued}`);
    const allowUnsigned = plan.allowUnsigned || input.allowUnsigned || undefined;
    // A resumed run keeps its cap unless the resume gives a new one.
    return {
      ...plan,
      mode: input.redrive ? 'redrive' : 'full',
      allowUnsigned,
      maxBandwidth: input.maxBandwidth ?? plan.maxBandwidth,
    };
  }
  // A policy supplies what the input leaves open: regions, kinds, and name globs for data kinds.
  const policy = input.policy;
  const wanted = input.regions ?? policy?.select.regions;
  const regions = wanted === undefined || wanted === 'all' ? await enabledRegions() : wanted;
  const plan: RunPlan = {
    runId: newRunId(),
    store: store.url,
    regions: [...new Set(regions)],
    include: input.include ?? policy?.select.kinds ?? configuredKinds() ?? [...KIND_NAMES],
    startedAt: new Date().toISOString(),
    mode: 'full',
    names: namePatterns(input, policy?.select.names),
    policy,
    ...(input.allowUnsigned ? { allowUnsigned: true } : {}),
    maxBandwidth: input.maxBandwidth ?? null,
  };
  await store.putJson(planKey(plan.runId), plan);
  return plan;
}
