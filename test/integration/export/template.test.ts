import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { snapshotFunction } from '../../../src/kinds/lambda-function/capture.js';
import {
  expectedPicture,
  type FunctionPicture,
  livePicture,
} from '../../../src/kinds/lambda-function/compare.js';
import type { FunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { type SeededRegion, seedRegion } from '../../../src/local/seed.js';
import { mapperFor } from '../../../src/restore/mapper.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { clearListingMemos } from '../../../src/triggers/index.js';
import { unique } from '../../helpers/aws.js';
import { runCli } from '../../helpers/cli.js';
import { MotoStack } from '../../helpers/cloudformation.js';
import { wipeFunctionsKeepingSources } from '../../helpers/wipe-app.js';

// The sample app is backed up, its functions and their wiring deleted (the sources stay: they are the
// template's parameters), and the exported templates deployed into moto's CloudFormation as one stack;
// the result is compared with the backup field by field, like the restore round trip. A region of this
// file's own (test/helpers/region-claims.ts; moto serves it, see test/helpers/global-setup.mjs).
const REGION = 'tv-export-1';
type Template = {
  Transform?: string;
  Parameters?: Record<string, { Default?: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Condition?: string }>;
  Outputs?: Record<string, unknown>;
  Metadata?: { triggervault?: { stages: number; notes: string[] } };
};
type Written = {
  code?: { bucket: string; prefix: string; uploaded: number; present: number };
  templates: { region: string; files: string[]; functions: string[]; notes: string[]; problems: string[] }[];
};

let directory: string;
let storeUrl: string;
let scratch: BackupStore;
let runId: string;
let seeded: SeededRegion;
const codeBucket = unique('tv-export-code');
const originals: Record<string, FunctionSnapshot> = {};
let written: Written;
const templates: Template[] = [];

const exportCli = (args: string[]) =>
  runCli(['export-template', '--bucket', storeUrl, '--run', runId, '--json', ...args]);
const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
const resourcesOf = (template: Template, type: string) =>
  Object.values(template.Resources).filter((resource) => resource.Type === type);

/**
 * A picture with what is CloudFormation's or moto's own left out, each said here: CloudFormation names
 * the statements its AWS::Lambda::Permission resources add (the recorded Sid is kept in the resource's
 * Metadata); moto's Permission also copies its FunctionName property into the statement; and moto's
 * UpdateFunctionConfiguration ignores TracingConfig and EphemeralStorage (which its CloudFormation
 * ignores on create): those two are checked on the templates instead.
 */
function comparable(picture: FunctionPicture): FunctionPicture {
  const statement = (value: unknown) => {
    const { Sid: _sid, FunctionName: _functionName, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  const configuration = (value: Record<string, unknown>) => {
    const { TracingConfig: _tracing, EphemeralStorage: _storage, ...rest } = value;
    return rest;
  };
  return {
    ...picture,
    configuration: configuration(picture.configuration),
    versions: picture.versions.map((version) => ({
      ...version,
      configuration: configuration(version.configuration),
    })),
    policy: picture.policy.map(statement).sort(byJson),
    triggers: picture.triggers
      .map((trigger) => {
        const record = trigger as { permissions: unknown[] };
        return { ...record, permissions: record.permissions.map(statement) };
      })
      .sort(byJson),
  };
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-export-'));
  storeUrl = `file://${directory}/store`;
  scratch = openStore(`file://${directory}/scratch`);
  seeded = await seedRegion(REGION, { items: 3, objects: 1, records: 3 });
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    include: ['lambda-function'],
  });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
  clearListingMemos();
  for (const name of seeded.functions) originals[name] = await snapshotFunction(scratch, REGION, name);
  await wipeFunctionsKeepingSources(REGION, seeded.functions);
  await client(S3Client, REGION).send(
    new CreateBucketCommand({
      Bucket: codeBucket,
      CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
    }),
  );
}, 300_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('export-template, deployed into the emulator CloudFormation', () => {
  it('writes the version stages and the final template, and uploads the code packages they need', async () => {
    // Act
    const result = exportCli([
      '--out-dir',
      join(directory, 'cfn'),
      '--upload-code-to',
      `s3://${codeBucket}/packages/`,
    ]);
    // Assess
    expect({
      status: result.status,
      stderr: result.stderr.split('\n').filter((line) => line.startsWith('triggervault:')),
    }).toEqual({ status: 0, stderr: [] });
    written = JSON.parse(result.stdout) as Written;
    expect(
      written.templates.map((template) => [template.region, template.functions.sort(), template.problems]),
    ).toEqual([[REGION, [...seeded.functions].sort(), []]]);
    // Every function has versions 1 and 2 with other code: two stages, then the final template.
    const files = written.templates[0]?.files ?? [];
    expect(files.map((file) => file.slice(file.lastIndexOf('/') + 1))).toEqual([
      `${REGION}.stage-1.template.json`,
      `${REGION}.stage-2.template.json`,
      `${REGION}.template.json`,
    ]);
    for (const file of files) templates.push(JSON.parse(await readFile(file, 'utf8')) as Template);
    // Each distinct package once: every version's and $LATEST's code, and the layer.
    const packages = new Set(
      Object.values(originals).flatMap((snapshot) => [
        ...[snapshot.code, ...snapshot.versions.map((version) => version.code)].map(
          (code) => (code as { sha256: string }).sha256,
        ),
        ...snapshot.layers.map((layer) => layer.code.sha256),
      ]),
    );
    expect(written.code).toEqual({
      bucket: codeBucket,
      prefix: 'packages/',
      uploaded: packages.size,
      present: 0,
    });
  });

  it('stage k publishes version k from the code and settings it had; the final template is $LATEST with everything else', () => {
    // Assess: stage templates hold functions and versions only, each function as version k was
    const [stage1, stage2, final] = templates as [Template, Template, Template];
    for (const [index, stage] of [stage1, stage2].entries()) {
      expect(new Set(Object.values(stage.Resources).map((resource) => resource.Type))).toEqual(
        new Set(['AWS::Lambda::Function', 'AWS::Lambda::Version', 'AWS::Lambda::LayerVersion']),
      );
      expect(resourcesOf(stage, 'AWS::Lambda::Version')).toHaveLength(seeded.functions.length * (index + 1));
    }
    const keyOf = (template: Template, name: string) =>
      JSON.stringify(
        resourcesOf(template, 'AWS::Lambda::Function').find((resource) =>
          JSON.stringify(resource.Properties.FunctionName).includes(`"${name}"`),
        )?.Properties.Code,
      );
    for (const name of seeded.functions) {
      const snapshot = originals[name] as FunctionSnapshot;
      const versions = [...snapshot.versions].sort((a, b) => Number(a.version) - Number(b.version));
      const sha = (code: unknown) => (code as { sha256: string }).sha256;
      expect([keyOf(stage1, name), keyOf(stage2, name), keyOf(final, name)]).toEqual([
        expect.stringContaining(sha(versions[0]?.code)),
        expect.stringContaining(sha(versions[1]?.code)),
        expect.stringContaining(sha(snapshot.code)),
      ]);
    }
    // A final template deployed alone would publish $LATEST's code as every version: CodeSha256 refuses it.
    const guards = resourcesOf(final, 'AWS::Lambda::Version')
      .map((resource) => resource.Properties.CodeSha256)
      .sort();
    expect(guards).toEqual(
      Object.values(originals)
        .flatMap((snapshot) => snapshot.versions.map((version) => version.configuration.CodeSha256))
        .sort(),
    );
    // What moto cannot apply is checked here: the final functions' tracing and ephemeral storage.
    for (const resource of resourcesOf(final, 'AWS::Lambda::Function')) {
      const name = (resource.Properties.FunctionName as { 'Fn::Join': [string, [string]] })['Fn::Join'][1][0];
      const configuration = (originals[name] as FunctionSnapshot).configuration;
      expect({
        name,
        tracing: resource.Properties.TracingConfig,
        storage: resource.Properties.EphemeralStorage,
      }).toEqual({
        name,
        tracing: { Mode: configuration.TracingConfig?.Mode },
        storage: configuration.EphemeralStorage,
      });
    }
  });

  it('deployed in order into CloudFormation, it re-creates every function, version, alias and trigger as backed up', async () => {
    // Act: the stages and the final template as updates of one stack; then the bucket's
    // notifications, as the template's output tells its user to put them on the existing bucket
    const stack = new MotoStack(REGION, seeded.account, unique('tv-export'));
    const statuses = [];
    for (const template of templates)
      statuses.push(await stack.deploy(template as unknown as Record<string, unknown>));
    const outputs = stack.outputs();
    const [notificationOutput, notification] =
      Object.entries(outputs).find(([id]) => id.endsWith('Notifications')) ?? [];
    await client(S3Client, REGION).send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: seeded.bucket,
        NotificationConfiguration: JSON.parse(notification ?? '{}'),
      }),
    );
    // Assess
    expect(statuses).toEqual(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_COMPLETE']);
    expect(notificationOutput).toBeDefined();
    const published = Object.values(stack.layerArns());
    const layerVersions = Object.fromEntries(
      Object.values(originals)
        .flatMap((snapshot) => snapshot.layers.map((layer) => layer.arn))
        .map((arn) => [
          arn,
          published.find((candidate) => candidate.split(':')[6] === arn.split(':')[6]) as string,
        ]),
    );
    const mapper = mapperFor({
      sourceRegion: REGION,
      targetRegion: REGION,
      sourceAccount: seeded.account,
      targetAccount: seeded.account,
      restored: {},
      roles: {},
      apiIds: {},
      layerVersions,
      functionVersions: {},
    });
    clearListingMemos();
    const pictures: FunctionPicture[] = [];
    for (const name of seeded.functions) {
      const picture = await livePicture(scratch, REGION, name);
      expect({ name, picture: comparable(picture) }).toEqual({
        name,
        picture: comparable(expectedPicture(originals[name] as FunctionSnapshot, mapper)),
      });
      pictures.push(picture);
    }
    const types = pictures.flatMap((picture) =>
      picture.triggers.map((trigger) => (trigger as { type: string }).type),
    );
    expect([...new Set(types)].sort()).toEqual([
      'apigateway-http',
      'apigateway-rest',
      'event-source-mapping',
      'eventbridge-rule',
      'eventbridge-schedule',
      's3-notification',
      'sns-subscription',
    ]);
    expect(types).toHaveLength(9);
    expect(pictures.map((picture) => picture.versions.map((version) => version.version))).toEqual(
      pictures.map(() => ['1', '2']),
    );
  });

  it('names every resource it creates with the NameSuffix parameter, and takes roles and sources as parameters', () => {
    // Assess
    const final = templates[2] as Template;
    const nameFields: Record<string, string> = {
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Lambda::LayerVersion': 'LayerName',
      'AWS::Events::Rule': 'Name',
      'AWS::Scheduler::Schedule': 'Name',
    };
    const named = Object.values(final.Resources).flatMap((resource) => {
      const field = nameFields[resource.Type];
      return field ? [resource.Properties[field]] : [];
    });
    expect(named.length).toBeGreaterThan(seeded.functions.length);
    for (const name of named)
      expect(name).toEqual({ 'Fn::Join': ['', [expect.any(String), { Ref: 'NameSuffix' }]] });
    const defaults = Object.values(final.Parameters ?? {}).map((parameter) => parameter.Default);
    const role = originals['orders-api']?.configuration.Role;
    expect(defaults).toEqual(
      expect.arrayContaining([
        role,
        seeded.bucket,
        seeded.restApiId,
        seeded.httpApiId,
        expect.stringContaining(':stream/clickstream'),
        expect.stringContaining(':order-jobs'),
        expect.stringContaining(':order-events'),
      ]),
    );
    expect(JSON.stringify(final.Resources)).not.toContain(':123456789012:');
  });

  it('--format sam writes Serverless functions and layers from the same packages, the rest unchanged', async () => {
    // Act: moto's CloudFormation has no SAM transform, so the SAM form is checked as a document
    const result = exportCli([
      '--out-dir',
      join(directory, 'sam'),
      '--format',
      'sam',
      '--upload-code-to',
      `s3://${codeBucket}/packages/`,
    ]);
    // Assess
    expect(result.status).toBe(0);
    const files = (JSON.parse(result.stdout) as Written).templates[0]?.files ?? [];
    const sam = JSON.parse(await readFile(files.at(-1) as string, 'utf8')) as Template;
    const cloudformation = templates[2] as Template;
    expect(sam.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(resourcesOf(sam, 'AWS::Lambda::Function')).toEqual([]);
    const functions = resourcesOf(sam, 'AWS::Serverless::Function');
    expect(functions).toHaveLength(seeded.functions.length);
    for (const fn of functions) {
      expect(fn.Properties.CodeUri).toEqual({
        Bucket: { Ref: 'CodeBucket' },
        Key: expect.objectContaining({ 'Fn::Join': expect.any(Array) }),
      });
      expect(fn.Properties).toMatchObject({ Tracing: 'Active', Tags: { app: 'orders', team: 'platform' } });
    }
    expect(resourcesOf(sam, 'AWS::Serverless::LayerVersion')).toHaveLength(1);
    const others = (template: Template) =>
      Object.entries(template.Resources).filter(
        ([, resource]) => !/::(Function|LayerVersion)$/.test(resource.Type),
      );
    expect(others(sam)).toEqual(others(cloudformation));
  });

  it('--only exports the chosen functions with their triggers alone', async () => {
    // Act
    const result = exportCli(['--out-dir', join(directory, 'only'), '--only', 'lambda-function:notify']);
    // Assess
    expect(result.status).toBe(0);
    const files = (JSON.parse(result.stdout) as Written).templates[0]?.files ?? [];
    const final = JSON.parse(await readFile(files.at(-1) as string, 'utf8')) as Template;
    expect(resourcesOf(final, 'AWS::Lambda::Function')).toHaveLength(1);
    expect(resourcesOf(final, 'AWS::SNS::Subscription')).toHaveLength(1);
    expect(resourcesOf(final, 'AWS::Events::Rule')).toEqual([]);
  });

  it('exits 2 naming the flag for bad input, and writes no template', async () => {
    // Act
    const results = [
      exportCli(['--out-dir', join(directory, 'bad'), '--format', 'yaml']),
      exportCli(['--out-dir', join(directory, 'bad'), '--only', 's3-bucket:uploads']),
      exportCli(['--out-dir', join(directory, 'bad'), '--regions', 'eu-west-3']),
      exportCli(['--out-dir', join(directory, 'bad'), '--upload-code-to', 'https://example.com/code']),
      runCli(['export-template', '--bucket', storeUrl, '--run', 'not-a-run']),
    ];
    // Assess
    expect(results.map((result) => result.status)).toEqual(results.map(() => 2));
    const messages = results.map((result) => result.stderr);
    expect(messages[0]).toContain('format');
    expect(messages[1]).toContain('only:');
    expect(messages[2]).toContain('regions:');
    expect(messages[3]).toContain('upload-code-to:');
    expect(messages[4]).toContain('run');
    await expect(readFile(join(directory, 'bad', `${REGION}.template.json`))).rejects.toThrow('ENOENT');
  }, 180_000);
});
