import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { KindName } from '../../schemas/common.js';
import type { ItemSelection } from '../../schemas/item-restore.js';
import type { Artifact, ItemResult, WorkItem } from '../../schemas/work-item.js';
import type { ArnMapper, ArnNamePattern, NameKind } from '../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import type { ApplyMode } from '../reconcile/diff.js';
import type { TemplateBuilder } from '../reconcile/template.js';
import type { DataUnit } from '../store/catalog.js';
import type { StoredCopy } from '../store/integrity.js';
import type { BackupStore } from '../store/store.js';
import type { TriggerRecord } from '../triggers/types.js';

/** What a kind's backup step produced; `done: false` asks the state machine to call again with `cursor`. */
export interface BackupStep {
  done: boolean;
  cursor?: unknown;
  artifacts: Artifact[];
  summary?: Record<string, unknown>;
}

export interface BackupContext {
  store: BackupStore;
  runId: string;
  /** Epoch ms after which a step should stop and return a cursor (Lambda time limit minus margin). */
  deadline: number;
  /**
   * Optional cap on the items, objects or records one part holds (one DynamoDB segment, one Kinesis
   * shard, or one S3 listing run per step). Unset: steps are bounded by `deadline` only. Lets small
   * Lambdas and tests force short chunks; every step still makes progress.
   */
  chunkItems?: number;
}

/**
 * What Discover knows about how a region's functions are wired, read once per region and only when a
 * kind asks: the event sources of its event-source mappings, the SourceArns of the functions' invoke
 * permissions (one GetPolicy per function), the functions' configurations (their roles and
 * dead-letter targets) and the images of image-packaged functions.
 */
export interface Wiring {
  region: string;
  mappingSources(): Promise<string[]>;
  invokerSources(): Promise<string[]>;
  /** Every function of the region as ListFunctions reports it ($LATEST). */
  functions(): Promise<FunctionConfiguration[]>;
  /**
   * The images the region's image-packaged functions run ($LATEST and every published version), as
   * Lambda resolved them: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:DIGEST`.
   */
  functionImages(): Promise<string[]>;
}

/** Entries of a resource's data that disappeared since an earlier run, as its backup counted them. */
export interface DeletedSince {
  /** The run the backup compared with. */
  previousRun: string;
  count: number;
  /** Some of their names (object keys), for the alarm's message. */
  sample: string[];
}

/**
 * The data a kind stores, as the deletion alarm counts it: its artifacts count `unit` (in `counts`),
 * and a backup that compared with an earlier run entry by entry says how many entries disappeared.
 * Without `deletedSince`, deletions are the drop of the count between two runs.
 */
export interface KindData {
  unit: DataUnit;
  deletedSince?(item: ItemResult): DeletedSince | undefined;
}

/**
 * The order a restore brings kinds back in, tier by tier (each tier finishes before the next starts,
 * the triggers come last): what a later tier refers to exists by then. A queue before the topic that
 * delivers to it, an API before the functions whose policies name its new id.
 */
export const RESTORE_TIERS = [
  'roles',
  'images',
  'queues',
  'topics',
  'buses',
  'apis',
  'data',
  'functions',
] as const;
export type RestoreTier = (typeof RESTORE_TIERS)[number];

/** One deletion of a drill's cleanup; `remove` answers false when there was nothing to delete. */
export interface Deletion {
  resource: string;
  remove(): Promise<boolean>;
}

/** What a drill's cleanup tells a kind about the copy it deletes. */
export interface TeardownContext {
  /** The backup store's bucket, never deleted. */
  storeBucket?: string;
  /** The backed-up resource's own name (`name` is its scratch copy's). */
  source?: string;
  /** The drill's ARN mapper, with the ids its restore generated (a re-created API's). */
  mapper?: ArnMapper;
}

/** Every resource kind has this shape; adding a kind is one folder implementing it and a registry line. */
export interface ResourceKind {
  readonly kind: KindName;
  /** What the ARN mapper calls this kind's names (a restore with a suffix renames them). */
  readonly nameKind: NameKind;
  /** When a restore brings this kind back (see RESTORE_TIERS). */
  readonly restoreTier: RestoreTier;
  /** How this kind's names appear in ARNs (the mapper rewrites them); the function kind's are built in. */
  readonly arnNames?: readonly ArnNamePattern[];
  /** Names of the resources of this kind in a region that the run selects. */
  discover(region: string, selection: { patterns: string[] }): Promise<string[]>;
  /** The resources of this kind the region's functions are wired to: backed up with them. */
  wiredTo?(wiring: Wiring): Promise<string[]>;
  /**
   * Change detection: for each discovered resource, a fingerprint of what one region-wide listing
   * shows of it (Discover puts it in the work item; `backup` compares it with the previous run's).
   */
  fingerprints?(region: string, names: string[]): Promise<Record<string, string>>;
  backup(item: WorkItem, context: BackupContext): Promise<BackupStep>;
  /** A resource's tags (policies select by tags). */
  tags(region: string, name: string): Promise<Record<string, string>>;
  /** The ARN AWS Backup protects, for the kinds it can back up. */
  awsBackupArn?(region: string, name: string): Promise<string>;
  /**
   * Drill cleanup: the deletions that remove the scratch copy `name` in `region` (and whatever hangs on
   * it), in order. They run one by one; each failure is reported and the others still run.
   */
  teardown?(region: string, name: string, context: TeardownContext): Promise<Deletion[]>;
  /** What the kind needs from the deployed stack: its backup and restore Lambdas and their roles. */
  readonly stack: KindStack;
  /** The data it stores (objects, items, records), for the deletion alarm; absent for configuration-only kinds. */
  readonly data?: KindData;
  /**
   * Objects the kind stores outside its artifacts, listed inside artifacts of role `role` (the S3
   * kind's object copies, named by its objects index parts): `verify` checks every one of them.
   * `list` reads one such artifact (checked against its recorded sha256 while read).
   */
  readonly storedCopies?: {
    role: string;
    list(store: BackupStore, item: Pick<ItemResult, 'name'>, part: Artifact): AsyncIterable<StoredCopy>;
  };
  /**
   * Re-creates the resource from what the manifest recorded for it (`item.artifacts`), in
   * `context.targetRegion` under `context.mapper.mapName(…)`. Compares first: reports create /
   * update / unchanged / differs per part, changes nothing when `context.apply` is false, and changes
   * an existing resource that differs only with `context.force`. Kinds without it are reported as
   * not restorable.
   */
  restore?(item: ItemResult, context: RestoreContext): Promise<RestoreResult>;
  /**
   * Item-level restore: only what `selection` names (objects, items, records), found by reading the
   * lookup documents and the blocks that may hold it (a run without lookups is read whole). Compares
   * first like `restore` (create / unchanged / differs per object, item or key; `update` only with
   * `context.force`), writes nothing when `context.apply` is false. Kinds without it hold no items.
   */
  restoreItems?(
    item: ItemResult,
    selection: ItemSelection,
    context: ItemRestoreContext,
  ): Promise<RestoreResult>;
  /**
   * IaC export: adds the CloudFormation resources that re-create the stored resource to `builder`
   * (see reconcile/template.ts), and returns the triggers wired to it, which their types template
   * afterwards (a rule targeting several functions is one resource). Kinds without it are not exported.
   */
  template?(item: ItemResult, context: TemplateContext): Promise<{ triggers: TriggerRecord[] }>;
}

/** What a kind's `template` hook is given. */
export interface TemplateContext {
  store: BackupStore;
  builder: TemplateBuilder;
}

/** What an item-level restore is given: small, so it runs in the caller (no state machine). */
export interface ItemRestoreContext extends ApplyMode {
  store: BackupStore;
  runId: string;
  sourceRegion: string;
  targetRegion: string;
  /** Maps recorded ARNs (a table's KMS key) into the target region. */
  mapper: RestoreContext['mapper'];
}

/** One IAM policy statement of the deployed stack; `${...}` in its strings are CloudFormation references. */
export interface StackStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/**
 * What a resource kind needs from the stack for one direction: its Lambda (`backup-<kind>` or
 * `restore-<kind>`, generated by deploy/stack.ts) and that Lambda's own least-privilege role.
 * Plain data: `${...}` tokens are CloudFormation references (deploy/cfn.ts).
 */
export interface KindTask {
  description: string;
  memorySize: number;
  /** Seconds; the item Task states allow 900. */
  timeout: number;
  /** Said in parentheses in the role's description. */
  roleNote?: string;
  /**
   * Store access beyond the direction's default (backup: list, read, write runs/*; restore: read,
   * write runs/<run>/restores/*, never change the bucket): `blobs` writes content-addressed blobs
   * (and removes its tmp/ uploads), `tags` reads stored objects' tags.
   */
  store?: ('blobs' | 'tags')[];
  /**
   * Its statements already list and read any bucket of this account (and, restoring, write into
   * it): the default store list/read (and restore record) statements are left out, so that no two
   * statements of the role grant the same.
   */
  storeCovered?: true;
  /** The rest of its policy: what the kind's backup or restore calls in the protected account. */
  statements: StackStatement[];
  /**
   * Roles it hands to AWS services (iam:PassRole, each only to the named services): `restore` = the
   * deployment's allow-list (param passRoleArns), `awsBackup` = the roles AWS Backup jobs run as.
   */
  passRoles?: { roles: 'restore' | 'awsBackup'; to: string[] }[];
}

export interface KindStack {
  backup: KindTask;
  restore: KindTask;
  /**
   * What the shared handlers call for this kind, added to their roles: Discover (listing by name
   * globs, wiredTo), and a drill's compare (the kind's restore as a dry run) and cleanup (teardown).
   * Sids are unique across kinds.
   */
  shared?: {
    discover?: StackStatement[];
    drillCompare?: StackStatement[];
    drillCleanup?: StackStatement[];
  };
}
