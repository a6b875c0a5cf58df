import { KIND_NAMES, type KindName } from '../schemas/common.js';
import { KINDS } from '../src/kinds/index.js';
import type { KindTask } from '../src/kinds/types.js';
import type { Statement } from './cfn.js';
import {
  accountFunctions,
  accountLayers,
  accountStreams,
  accountTables,
  anyBucket,
  backupStore,
  finalizePolicy,
  listTriggerSources,
  manifestKeyVerify,
  readApiGatewayIntegrations,
  readFunctionsAndTriggers,
  readLayers,
  restoreStore,
  retentionPolicy,
  sameAccount,
  storeList,
  storeNeverChanged,
  storeRead,
  storeReadTags,
  storeRemoveTemporaries,
  storeWriteBlobs,
  storeWriteRuns,
  storeWriteVerifyResults,
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
  | 'retention'
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
  /** Roles it hands to AWS services (deploy/stack.ts adds iam:PassRole on the deployment's roles only). */
  passRoles?: KindTask['passRoles'];
}

/** What each kind adds to a shared handler's role (Discover, drill compare, drill cleanup), in registry order. */
const sharedStatements = (handler: 'discover' | 'drillCompare' | 'drillCleanup'): Statement[] =>
  KIND_NAMES.flatMap((kind) => KINDS[kind].stack.shared?.[handler] ?? []);

/**
 * `backup-<kind>` / `restore-<kind>`: the item Task of the state machine invokes it by name
 * (`<taskPrefix>-backup-<kind>`), so a new kind needs no ASL state, no handler file and no stack edit.
 */
function kindHandler(kind: KindName, direction: MachineName): HandlerSpec {
  const task = KINDS[kind].stack[direction];
  const extra = new Set(task.store ?? []);
  // A kind whose own statements already list and read (and restore into) any bucket of the account
  // has no second grant of the same: every statement of a role is one some call needs.
  const covered = task.storeCovered === true;
  const store =
    direction === 'backup'
      ? [
          ...(covered ? [] : [storeList, storeRead]),
          storeWriteRuns,
          ...(extra.has('blobs') ? [storeWriteBlobs, storeRemoveTemporaries] : []),
          manifestKeyVerify,
        ]
      : [
          ...(covered
            ? [manifestKeyVerify]
            : restoreStore.filter((statement) => statement.Effect === 'Allow')),
          ...(extra.has('tags') ? [storeReadTags] : []),
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
    ...(task.passRoles ? { passRoles: task.passRoles } : {}),
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
      {
        Sid: 'BucketRegions',
        Effect: 'Allow',
        Action: 's3:GetBucketLocation',
        Resource: anyBucket,
        Condition: sameAccount,
      },
      // A policy that selects by tags reads each candidate's tags (each kind's `tags`).
      {
        Sid: 'TagsForPolicySelection',
        Effect: 'Allow',
        Action: ['lambda:GetFunction', 'dynamodb:ListTagsOfResource', 'kinesis:ListTagsForStream'],
        Resource: [accountFunctions, accountTables, accountStreams],
      },
      {
        Sid: 'BucketTagsForPolicySelection',
        Effect: 'Allow',
        Action: 's3:GetBucketTagging',
        Resource: anyBucket,
        Condition: sameAccount,
      },
      // The images of image-packaged functions (GetFunction of every version), for the ecr-image kind.
      {
        Sid: 'FunctionVersions',
        Effect: 'Allow',
        Action: 'lambda:ListVersionsByFunction',
        Resource: accountFunctions,
      },
      ...sharedStatements('discover'),
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
    roleNote: 'reads the store; writes only its own check results',
    permissions: [storeList, storeRead, storeWriteVerifyResults],
  },
  {
    name: 'finalize',
    entry: 'finalize',
    description: 'triggervault Finalize - sign and write manifest.json last',
    memorySize: 512,
    timeout: 300,
    machine: 'backup',
    roleNote: 'the only role that signs manifests; writes them, audits changes, copies runs',
    // Its store access (the store and its copies) is finalizePolicy's: one grant per need.
    permissions: finalizePolicy,
  },
  {
    name: 'retention',
    entry: 'retention',
    description: "triggervault Retention - apply the run's retention policy to the store and its copies",
    memorySize: 512,
    timeout: 300,
    machine: 'backup',
    roleNote: 'the only role the bucket policy lets delete backups',
    permissions: retentionPolicy,
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
    // Groups the run's API Gateway triggers by the API they belong to.
    permissions: [...restoreStore, readApiGatewayIntegrations],
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
    // Rules, schedules and API integrations that carry a role hand it to their service.
    passRoles: [
      {
        roles: 'restore',
        to: ['events.amazonaws.com', 'scheduler.amazonaws.com', 'apigateway.amazonaws.com'],
      },
    ],
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
    // It reads the store's files, and lists a prefix before a service would read it whole (an
    // ImportTable source must hold only the run's parts: store/trusted.ts onlyListedUnder).
    permissions: [
      ...restoreStore,
      readFunctionsAndTriggers,
      listTriggerSources,
      ...readScratchCopy,
      ...sharedStatements('drillCompare'),
    ],
  },
  {
    name: 'drillCleanup',
    entry: 'drill-cleanup',
    description: "triggervault drill - delete the drill's scratch resources (names ending -drill-xxxxxx)",
    memorySize: 512,
    timeout: 900,
    machine: 'restore',
    roleNote: "deletes only the drill's -drill-xxxxxx copies and their triggers",
    permissions: [
      ...restoreStore,
      readFunctionsAndTriggers,
      listTriggerSources,
      ...deleteScratchCopy,
      ...sharedStatements('drillCleanup'),
    ],
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
