import { KIND_NAMES, type KindName } from '../schemas/common.js';
import { KINDS } from '../src/kinds/index.js';
import type { Statement } from './cfn.js';
import {
  accountFunctions,
  accountLayers,
  anyBucket,
  backupStore,
  listTriggerSources,
  readFunctionsAndTriggers,
  readLayers,
  restoreStore,
  storeKey,
  storeList,
  storeNeverChanged,
  storeRead,
  storeReadTags,
  storeRemoveTemporaries,
  storeWriteBlobs,
  storeWriteRestores,
  storeWriteRuns,
} from './permissions.js';
import { deleteScratchCopy, readScratchCopy, rewireTriggers } from './restore-permissions.js';

/**
 * THE handler table: every Lambda of the stack, once. deploy/stack.ts generates from it the
 * `functions:` of serverless.yml, one role + policy per handler, the key policy's handler
 * principals, each state machine's invoke list and dependsOn; src/local/handlers.ts binds the same
 * names in-process and the stack test checks the compiled template against it.
 */

export type MachineName = 'backup' | 'restore';

/** The entry modules under handlers/: each exports `handler`; backup-item and restore-item also `handlerFor(kind)`. */
export type HandlerEntry =
  | 'plan'
  | 'discover'
  | 'backup-item'
  | 'record-failure'
  | 'verify'
  | 'finalize'
  | 'publish'
  | 'restore-plan'
  | 'restore-region'
  | 'restore-item'
  | 'restore-triggers'
  | 'restore-failure'
  | 'restore-report'
  | 'drill-compare'
  | 'drill-cleanup'
  | 'drill-publish';

export interface HandlerSpec {
  /** Function key: the deployed function is `<service>-<stage>-<name>`; static ASL tasks say `Fn::GetAtt: [name, Arn]`. */
  name: string;
  /** Entry module `handlers/<entry>.ts`. */
  entry: HandlerEntry;
  description: string;
  memorySize: number;
  /** Seconds, within the TimeoutSeconds of every Task state that runs it. */
  timeout: number;
  /** The state machine that invokes it (checked against the ASL). */
  machine: MachineName;
  /** Said in parentheses in the role's description. */
  roleNote?: string;
  /** Extra environment (values may hold `${...}` tokens). */
  environment?: Record<string, string>;
  /** Its policy after OwnLogs, in order. */
  permissions: Statement[];
  /** A per-kind handler (`backup-<kind>`, `restore-<kind>`): the kind it serves. */
  kind?: KindName;
}

/**
 * `backup-<kind>` / `restore-<kind>`: the item Task of the state machine invokes it by name
 * (`<taskPrefix>-backup-<kind>`), so a new kind needs no ASL state, no handler file and no stack edit.
 */
function kindHandler(kind: KindName, direction: MachineName): HandlerSpec {
  const task = KINDS[kind].stack[direction];
  const extra = new Set(task.store ?? []);
  const store =
    direction === 'backup'
      ? [
          storeList,
          storeRead,
          storeWriteRuns,
          ...(extra.has('blobs') ? [storeWriteBlobs, storeRemoveTemporaries] : []),
          storeKey,
        ]
      : [
          storeList,
          storeRead,
          ...(extra.has('tags') ? [storeReadTags] : []),
          storeWriteRestores,
          storeKey,
          storeNeverChanged,
        ];
  return {
    name: `${direction}-${kind}`,
    entry: direction === 'backup' ? 'backup-item' : 'restore-item',
    description: task.description,
    memorySize: task.memorySize,
    timeout: task.timeout,
    machine: direction,
    roleNote: task.roleNote,
    environment: { TRIGGERVAULT_KIND: kind },
    permissions: [...store, ...task.statements],
    kind,
  };
}

export const HANDLERS: readonly HandlerSpec[] = [
  // ---------------------------------------------------------------- backup (statemachines/backup.asl.yaml)
  {
    name: 'plan',
    entry: 'plan',
    description: 'triggervault Plan - validate the run input, resolve regions and kinds, new run id',
    memorySize: 256,
    timeout: 60,
    machine: 'backup',
    permissions: [
      ...backupStore,
      { Sid: 'EnabledRegions', Effect: 'Allow', Action: 'ec2:DescribeRegions', Resource: '*' },
    ],
  },
  {
    name: 'discover',
    entry: 'discover',
    description: 'triggervault Discover - functions, their triggers and event sources in one region',
    memorySize: 512,
    timeout: 300,
    machine: 'backup',
    permissions: [
      ...backupStore,
      {
        Sid: 'ListResourcesOfRegion',
        Effect: 'Allow',
        Action: [
          'lambda:ListFunctions',
          'lambda:ListEventSourceMappings',
          'dynamodb:ListTables',
          's3:ListAllMyBuckets',
          'kinesis:ListStreams',
        ],
        Resource: '*',
      },
      { Sid: 'FunctionPolicies', Effect: 'Allow', Action: 'lambda:GetPolicy', Resource: accountFunctions },
      { Sid: 'BucketRegions', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: anyBucket },
    ],
  },
  // backup-<kind>: one per kind, each with its own role (deploy/kinds/<kind>.ts).
  ...KIND_NAMES.map((kind) => kindHandler(kind, 'backup')),
  {
    name: 'recordFailure',
    entry: 'record-failure',
    description: 'triggervault - record one failed item; the run goes on',
    memorySize: 256,
    timeout: 60,
    machine: 'backup',
    permissions: backupStore,
  },
  {
    name: 'verify',
    entry: 'verify',
    description: 'triggervault Verify - re-read every artifact of a run (sha256, size, counts)',
    memorySize: 1024,
    timeout: 900,
    machine: 'backup',
    roleNote: 'reads the store only',
    permissions: [storeList, storeRead, storeKey],
  },
  {
    name: 'finalize',
    entry: 'finalize',
    description: 'triggervault Finalize - write manifest.json last',
    memorySize: 512,
    timeout: 300,
    machine: 'backup',
    permissions: backupStore,
  },
  {
    name: 'publish',
    entry: 'publish',
    description: 'triggervault Publish - SNS summary, failed items to the dead-letter queue',
    memorySize: 256,
    timeout: 60,
    machine: 'backup',
    environment: { TRIGGERVAULT_TOPIC_ARN: '${ResultsTopic}', TRIGGERVAULT_DLQ_URL: '${DeadLetterQueue}' },
    permissions: [
      storeList,
      storeRead,
      storeKey,
      { Sid: 'PublishSummary', Effect: 'Allow', Action: 'sns:Publish', Resource: '${ResultsTopic}' },
      // Sends this run's failed items; after a redrive, removes the run's superseded dead
      // letters and hands every other message back at once (ReceiveMessage/ChangeMessageVisibility).
      {
        Sid: 'DeadLetterFailedItems',
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        Resource: '${DeadLetterQueue.Arn}',
      },
    ],
  },

  // ---------------------------------------------------------------- restore (statemachines/restore.asl.yaml)
  // These write to the protected account. Store: read, write only under runs/*/restores/*, never
  // change the backup bucket (explicit Deny).
  {
    name: 'restorePlan',
    entry: 'restore-plan',
    description: "triggervault restore Plan - validate the input, read the run's manifest, store the plan",
    memorySize: 512,
    timeout: 300,
    machine: 'restore',
    roleNote: 'reads the store, writes the plan',
    permissions: restoreStore,
  },
  {
    name: 'restoreRegion',
    entry: 'restore-region',
    description: 'triggervault restore - layer versions of one region, then its work items',
    memorySize: 1024,
    timeout: 900,
    machine: 'restore',
    roleNote: 'publishes layer versions',
    permissions: [
      ...restoreStore,
      {
        Sid: 'PublishLayerVersions',
        Effect: 'Allow',
        Action: 'lambda:PublishLayerVersion',
        Resource: accountLayers,
      },
      // Who may use each restored layer version, compared first (layer-permissions.ts).
      {
        Sid: 'RestoreLayerPermissions',
        Effect: 'Allow',
        Action: [
          'lambda:GetLayerVersionPolicy',
          'lambda:AddLayerVersionPermission',
          'lambda:RemoveLayerVersionPermission',
        ],
        Resource: accountLayers,
      },
      readLayers,
      { Sid: 'ListLayerVersions', Effect: 'Allow', Action: 'lambda:ListLayerVersions', Resource: '*' },
    ],
  },
  // restore-<kind>: one per kind, each with its own role (deploy/kinds/<kind>.ts).
  ...KIND_NAMES.map((kind) => kindHandler(kind, 'restore')),
  {
    name: 'restoreTriggers',
    entry: 'restore-triggers',
    description: 'triggervault restore - re-wire one group of triggers to the restored functions',
    memorySize: 512,
    timeout: 900,
    machine: 'restore',
    roleNote: 're-wires triggers to the restored functions',
    permissions: [...restoreStore, readFunctionsAndTriggers, listTriggerSources, ...rewireTriggers],
  },
  {
    name: 'restoreFailure',
    entry: 'restore-failure',
    description: 'triggervault restore - record one failed item; the restore goes on',
    memorySize: 256,
    timeout: 60,
    machine: 'restore',
    permissions: restoreStore,
  },
  {
    name: 'restoreReport',
    entry: 'restore-report',
    description: "triggervault restore Report - every item's outcome, counted (report.json)",
    memorySize: 512,
    timeout: 300,
    machine: 'restore',
    permissions: restoreStore,
  },
  {
    name: 'drillCompare',
    entry: 'drill-compare',
    description: 'triggervault drill - compare the scratch restore with the backup (read only)',
    memorySize: 1024,
    timeout: 900,
    machine: 'restore',
    roleNote: 'reads the scratch copy; changes nothing',
    permissions: [...restoreStore, readFunctionsAndTriggers, listTriggerSources, ...readScratchCopy],
  },
  {
    name: 'drillCleanup',
    entry: 'drill-cleanup',
    description: "triggervault drill - delete the drill's scratch resources (names ending -drill-xxxxxx)",
    memorySize: 512,
    timeout: 900,
    machine: 'restore',
    roleNote: "deletes only the drill's -drill-xxxxxx copies and their triggers",
    permissions: [...restoreStore, readFunctionsAndTriggers, listTriggerSources, ...deleteScratchCopy],
  },
  {
    name: 'drillPublish',
    entry: 'drill-publish',
    description: 'triggervault drill - drill.json and the SNS result',
    memorySize: 256,
    timeout: 300,
    machine: 'restore',
    environment: { TRIGGERVAULT_TOPIC_ARN: '${ResultsTopic}' },
    permissions: [
      ...restoreStore,
      { Sid: 'PublishDrillResult', Effect: 'Allow', Action: 'sns:Publish', Resource: '${ResultsTopic}' },
    ],
  },
];
