import type { Manifest } from '../../schemas/manifest.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { InputValidationError } from '../errors.js';
import { matchesAny } from '../glob.js';
import { KINDS } from '../kinds/index.js';
import { TemplateBuilder } from '../reconcile/template.js';
import { RunCatalog } from '../store/catalog.js';
import { type BackupStore, BLOB_PREFIX } from '../store/store.js';
import { trustedView } from '../store/trusted.js';
import { TRIGGER_TYPES } from '../triggers/index.js';
import type { TriggerRecord } from '../triggers/types.js';
import { toSam } from './sam.js';

/**
 * IaC export: the CloudFormation (or SAM) template that re-creates a run's functions in one region,
 * with their versions, aliases, URLs, concurrency, permissions, layers and triggers, and parameters for
 * what must differ (names via NameSuffix, roles, sources, where the code is). Each kind and trigger type
 * writes its own resources (`template` hooks, see reconcile/template.ts); this module picks the items,
 * runs the hooks, and renders the version stages and the final template.
 */

export type TemplateFormat = 'cloudformation' | 'sam';

export interface ExportRequest {
  run: string;
  regions?: string[];
  /** Function name globs (default: every function of the run). */
  functions?: string[];
  format: TemplateFormat;
  /** Where the code packages are (default: the store's own blobs when it is S3). */
  code?: { bucket: string; keyPrefix: string };
  /** Accept a run whose manifest is not signed (see store/signature.ts). */
  allowUnsigned?: boolean;
}

export interface RegionTemplate {
  region: string;
  functions: string[];
  /** Stage templates, deployed in order before `final` when a function's versions had other code. */
  stages: Record<string, unknown>[];
  final: Record<string, unknown>;
  notes: string[];
  /** Limits of CloudFormation the template passes (500 resources, 200 parameters, 1 MB). */
  problems: string[];
  /** sha256 of every package the template needs in CodeBucket. */
  blobs: string[];
}

/** CloudFormation's limits per template. */
const LIMITS = { resources: 500, parameters: 200, bytes: 1024 * 1024 };

const versionsOf = (item: ItemResult) =>
  item.artifacts.find((artifact) => artifact.role === 'config')?.counts?.versions ?? 0;

function problemsOf(template: Record<string, unknown>): string[] {
  const count = (field: string) => Object.keys((template[field] as object | undefined) ?? {}).length;
  const problems: string[] = [];
  if (count('Resources') > LIMITS.resources)
    problems.push(
      `${count('Resources')} resources (CloudFormation allows ${LIMITS.resources}): export fewer functions (--only)`,
    );
  if (count('Parameters') > LIMITS.parameters)
    problems.push(
      `${count('Parameters')} parameters (CloudFormation allows ${LIMITS.parameters}): export fewer functions (--only)`,
    );
  const bytes = Buffer.byteLength(JSON.stringify(template));
  if (bytes > LIMITS.bytes) problems.push(`${bytes} bytes (CloudFormation allows ${LIMITS.bytes} from S3)`);
  return problems;
}

async function exportRegion(
  store: BackupStore,
  manifest: Manifest,
  region: string,
  request: ExportRequest,
): Promise<RegionTemplate | undefined> {
  const items = manifest.items.filter(
    (item) =>
      item.region === region &&
      item.status === 'ok' &&
      KINDS[item.kind].template !== undefined &&
      (item.kind !== 'lambda-function' || !request.functions || matchesAny(item.name, request.functions)),
  );
  const functions = items.filter((item) => item.kind === 'lambda-function');
  if (functions.length === 0) return undefined;
  const firstSnapshot = (await store.getJson(
    functions[0]?.artifacts.find((artifact) => artifact.role === 'config')?.path ?? '',
  )) as { arn?: string } | undefined;
  const sourceAccount = firstSnapshot?.arn?.split(':')[4] ?? '';
  const code = request.code ?? {
    bucket: store.s3?.bucket as string,
    keyPrefix: store.s3 ? store.s3.key(BLOB_PREFIX) : BLOB_PREFIX,
  };
  const builder = new TemplateBuilder({
    sourceRegion: region,
    sourceAccount,
    code,
    stages: Math.max(0, ...functions.map(versionsOf)),
  });
  if (!code.bucket)
    builder.note(
      'the store is a directory: upload the packages (--upload-code-to s3://bucket/prefix) and pass CodeBucket',
    );
  else if (!request.code && store.s3 && store.s3.region !== region)
    builder.note(
      `CodeBucket defaults to the store bucket, in ${store.s3.region}: Lambda reads code from the stack's region (--upload-code-to a bucket there)`,
    );

  const triggers = new Map<string, TriggerRecord>();
  for (const item of items)
    for (const record of (await KINDS[item.kind].template?.(item, { store, builder }))?.triggers ?? [])
      triggers.set(`${record.type} ${record.id}`, record);
  for (const type of TRIGGER_TYPES) {
    const records = [...triggers.values()].filter((record) => record.type === type.type);
    if (records.length === 0) continue;
    if (type.template) type.template(records, builder);
    else builder.note(`${records.length} ${type.type} trigger(s) cannot be expressed in the template`);
  }

  const convert = (template: Record<string, unknown>) =>
    request.format === 'sam' ? toSam(template) : template;
  const stages = Array.from({ length: builder.options.stages }, (_, index) =>
    convert(builder.render(index + 1)),
  );
  if (stages.length)
    builder.note(
      `${stages.length} version stage(s): deploy stage 1…${stages.length}, then the final template, as updates of one stack (CloudFormation publishes a version from the function as it is)`,
    );
  const final = convert(builder.render());
  final.Description = `Functions of triggervault run ${manifest.runId} in ${region}, with their triggers`;
  final.Metadata = {
    triggervault: { run: manifest.runId, region, stages: stages.length, notes: builder.notes },
  };
  return {
    region,
    functions: functions.map((item) => item.name),
    stages,
    final,
    notes: builder.notes,
    problems: [final, ...stages].flatMap(problemsOf),
    blobs: [...builder.blobs].sort(),
  };
}

/** The templates of a run, one per region that has functions to export. */
export async function exportTemplates(store: BackupStore, request: ExportRequest): Promise<RegionTemplate[]> {
  const manifest = await new RunCatalog(store, { allowUnsigned: request.allowUnsigned }).completeManifest(
    request.run,
  );
  const missing = request.regions?.filter((region) => !manifest.regions.includes(region)) ?? [];
  if (missing.length)
    throw new InputValidationError(`regions: run ${request.run} did not back up ${missing.join(', ')}`);
  const templates: RegionTemplate[] = [];
  for (const region of request.regions ?? manifest.regions) {
    // Snapshots are read checked against the (signed) manifest.
    const template = await exportRegion(trustedView(store, manifest), manifest, region, request);
    if (template) templates.push(template);
  }
  if (templates.length === 0)
    throw new InputValidationError(
      `run ${request.run} holds no function to export${request.functions ? ` matching ${request.functions.join(', ')}` : ''}`,
    );
  return templates;
}
