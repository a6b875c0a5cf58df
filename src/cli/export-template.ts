import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow, RegionName, RunId } from '../../schemas/common.js';
import { Selector } from '../../schemas/restore.js';
import { InputValidationError } from '../errors.js';
import { parseCodeTarget, uploadCode } from '../export/code.js';
import { exportTemplates, type RegionTemplate } from '../export/template.js';
import { openStore } from '../store/open.js';
import { StoreFlag } from './flags.js';
import { createOutput, table } from './output.js';

/**
 * `export-template`: writes, per region of a run, the CloudFormation (or SAM) template that re-creates
 * its functions with their triggers, and the stage templates that re-create their versions (see
 * export/template.ts). With `--upload-code-to`, copies the packages the templates need to that bucket
 * first and makes it the templates' default CodeBucket.
 */

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1));

const Flags = z.object({
  bucket: StoreFlag,
  run: RunId,
  regions: csv(RegionName).optional(),
  only: csv(Selector).optional(),
  format: z.enum(['cloudformation', 'sam']).default('cloudformation'),
  outDir: z.string().min(1).default('.'),
  uploadCodeTo: z.string().optional(),
  allowUnsigned: z.boolean().default(false),
  json: z.boolean().default(false),
});

export interface WrittenTemplate {
  region: string;
  /** In deployment order: stage templates, then the final one. */
  files: string[];
  functions: string[];
  resources: number;
  parameters: number;
  notes: string[];
  problems: string[];
}

const fileName = (template: RegionTemplate, stage?: number) =>
  `${template.region}${stage === undefined ? '' : `.stage-${stage}`}.template.json`;

export async function exportTemplateCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(Flags, rawFlags, 'flags');
  const nonFunctions = flags.only?.filter((selector) => selector.kind !== 'lambda-function') ?? [];
  if (nonFunctions.length)
    throw new InputValidationError(
      `only: the template exports functions with their triggers: use lambda-function:NAME, not ${nonFunctions.map((selector) => `${selector.kind}:${selector.name}`).join(', ')}`,
    );
  const target = flags.uploadCodeTo ? parseCodeTarget(flags.uploadCodeTo) : undefined;
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  const templates = await exportTemplates(store, {
    run: flags.run,
    regions: flags.regions,
    functions: flags.only?.map((selector) => selector.name),
    format: flags.format,
    code: target && { bucket: target.bucket, keyPrefix: target.prefix },
    allowUnsigned: flags.allowUnsigned,
  });
  let code: { bucket: string; prefix: string; uploaded: number; present: number } | undefined;
  if (target) {
    const blobs = [...new Set(templates.flatMap((template) => template.blobs))];
    const copied = await uploadCode(store, blobs, target);
    code = { ...target, uploaded: copied.uploaded, present: copied.present };
    out.info(
      `code: ${copied.uploaded} package(s) uploaded to s3://${target.bucket}/${target.prefix} (${copied.region}), ${copied.present} already there`,
    );
    for (const template of templates)
      if (copied.region !== template.region)
        template.notes.push(
          `CodeBucket ${target.bucket} is in ${copied.region}: Lambda reads code from the stack's region (${template.region})`,
        );
  }
  await mkdir(flags.outDir, { recursive: true });
  const written: WrittenTemplate[] = [];
  for (const template of templates) {
    const files: string[] = [];
    for (const [index, stage] of template.stages.entries()) {
      files.push(join(flags.outDir, fileName(template, index + 1)));
      await writeFile(files.at(-1) as string, `${JSON.stringify(stage, null, 2)}\n`);
    }
    files.push(join(flags.outDir, fileName(template)));
    await writeFile(files.at(-1) as string, `${JSON.stringify(template.final, null, 2)}\n`);
    written.push({
      region: template.region,
      files,
      functions: template.functions,
      resources: Object.keys(template.final.Resources as object).length,
      parameters: Object.keys((template.final.Parameters as object | undefined) ?? {}).length,
      notes: template.notes,
      problems: template.problems,
    });
  }
  out.result({ run: flags.run, format: flags.format, code, templates: written }, () =>
    [
      table(
        ['region', 'functions', 'resources', 'parameters', 'files (deploy in this order)'],
        written.map((entry) => [
          entry.region,
          entry.functions.length,
          entry.resources,
          entry.parameters,
          entry.files.join(', '),
        ]),
      ),
      ...written.flatMap((entry) => [
        ...entry.notes.map((note) => `note (${entry.region}): ${note}`),
        ...entry.problems.map((problem) => `problem (${entry.region}): ${problem}`),
      ]),
    ].join('\n'),
  );
  return written.some((entry) => entry.problems.length) ? 1 : 0;
}
