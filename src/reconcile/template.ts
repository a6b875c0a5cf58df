import type { PolicyStatement } from '../aws/lambda-policy.js';
import { InputValidationError } from '../errors.js';
import { addPermissionInput } from './permissions.js';

/**
 * The toolkit the kinds' and trigger types' `template` hooks write CloudFormation with (the IaC export,
 * src/export/): resources, parameters for what differs between accounts (names, roles, sources, where
 * the code is), references to the functions the template creates, and values that change from one
 * version stage to the next.
 *
 * Conventions, valid CloudFormation that also deploys on moto's: strings are joined with Fn::Join
 * (never Fn::Sub, whose moto implementation drops `$$` and digit-first names), the region, account
 * and partition are pseudo parameters, and every name a template creates ends with the `NameSuffix`
 * parameter (empty by default), so a copy can stand beside the original.
 *
 * Version stages. CloudFormation publishes a version from the function as it is at that moment, so a
 * function whose versions had other code or settings is re-created by deploying the export's stage
 * templates in order (stage k: the function as version k was, versions 1…k) and then the final
 * template (the function as `$LATEST`, aliases, triggers). A value that differs per stage is written
 * with `staged`; a resource that only the final template has is marked `finalOnly`.
 */

export type Expression = unknown;

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  Condition?: string;
  DeletionPolicy?: 'Retain' | 'Delete';
  Metadata?: Record<string, unknown>;
}

export interface CfnParameter {
  Type: 'String' | 'CommaDelimitedList';
  Description: string;
  Default?: string;
  AllowedValues?: string[];
}

/** What a stored function becomes in the template, for the triggers and permissions that point at it. */
export interface FunctionRefs {
  /** Logical id of the AWS::Lambda::Function. */
  function: string;
  /** Recorded version number → logical id of its AWS::Lambda::Version. */
  versions: Record<string, string>;
  /** Alias name → logical id of its AWS::Lambda::Alias. */
  aliases: Record<string, string>;
}

export interface TemplateOptions {
  sourceRegion: string;
  sourceAccount: string;
  /** Where the code blobs are: a bucket (undefined: the user names one) and the key prefix before `<sha256>`. */
  code: { bucket?: string; keyPrefix: string };
  /** How many version stages precede the final template (0: one template is enough). */
  stages: number;
}

/** A value that depends on the stage: `perStage[k - 1]` in stage k, `final` after the last one. */
class Staged {
  constructor(
    readonly perStage: Expression[],
    readonly final: Expression,
  ) {}
}

const FINAL = Number.POSITIVE_INFINITY;
const LOGICAL_ID = /[^A-Za-z0-9]+(.)?/g;

export const ref = (id: string) => ({ Ref: id });
export const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
/** Concatenation: strings and expressions, Fn::Join with an empty delimiter (a plain string when it can be). */
export function join(...parts: Expression[]): Expression {
  const flat = parts.filter((part) => part !== '');
  if (flat.every((part) => typeof part === 'string')) return flat.join('');
  return { 'Fn::Join': ['', flat] };
}
export const PSEUDO = {
  region: ref('AWS::Region'),
  account: ref('AWS::AccountId'),
  partition: ref('AWS::Partition'),
} as const;

export class TemplateBuilder {
  private readonly resources = new Map<string, { resource: CfnResource; from: number; finalOnly: boolean }>();
  private readonly parameters = new Map<string, CfnParameter>();
  private readonly outputs = new Map<string, { Value: Expression; Description: string }>();
  private readonly conditions = new Map<string, Expression>();
  private readonly shared = new Map<string, string>();
  private readonly sources = new Map<string, string>();
  private readonly functions = new Map<string, FunctionRefs>();
  private readonly taken = new Set<string>();
  readonly notes: string[] = [];
  /** The sha256 of every stored package the template points at (what an upload must copy). */
  readonly blobs = new Set<string>();

  constructor(readonly options: TemplateOptions) {}

  /** A logical id from `parts` (letters and digits), made unique in the template. */
  logicalId(...parts: string[]): string {
    const base =
      parts
        .join(' ')
        .replace(/^[^A-Za-z]+/, '')
        .replace(LOGICAL_ID, (_all, next: string | undefined) => (next ?? '').toUpperCase())
        .replace(/^./, (first) => first.toUpperCase())
        .slice(0, 200) || 'Resource';
    let id = base;
    for (let index = 2; this.taken.has(id); index += 1) id = `${base}${index}`;
    this.taken.add(id);
    return id;
  }

  /** Adds a resource; `from` is the first stage that has it, `finalOnly` keeps it for the final template. */
  resource(id: string, resource: CfnResource, place: { from?: number; finalOnly?: boolean } = {}): string {
    this.resources.set(id, { resource, from: place.from ?? 1, finalOnly: place.finalOnly ?? false });
    return id;
  }

  parameter(id: string, parameter: CfnParameter): Expression {
    if (!this.parameters.has(id)) {
      this.taken.add(id);
      this.parameters.set(id, parameter);
    }
    return ref(id);
  }

  condition(id: string, expression: Expression): string {
    this.taken.add(id);
    this.conditions.set(id, expression);
    return id;
  }

  /** The logical id made once for `key` (a layer several functions use), made by `create` the first time. */
  once(key: string, create: () => string): string {
    let id = this.shared.get(key);
    if (!id) {
      id = create();
      this.shared.set(key, id);
    }
    return id;
  }

  output(id: string, value: Expression, description: string): void {
    this.outputs.set(id, { Value: value, Description: description });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** A value per stage (index 0: stage 1) and the final one; a plain value when the stages do not differ. */
  staged(perStage: Expression[], final: Expression): Expression {
    const same = perStage.every((value) => JSON.stringify(value) === JSON.stringify(final));
    return same ? final : new Staged(perStage, final);
  }

  /** A name the template creates: the original with the `NameSuffix` parameter appended. */
  name(original: string): Expression {
    return join(
      original,
      this.parameter('NameSuffix', {
        Type: 'String',
        Default: '',
        Description:
          'Appended to every name this template creates (functions, layers, rules, schedules): a copy beside the original',
      }),
    );
  }

  /** Something the template does not create but uses (queue, stream, topic, bucket, API, role…): a parameter, its default the recorded value. */
  source(value: string, description: string, hint: string): Expression {
    let id = this.sources.get(value);
    if (!id) {
      id = this.logicalId(hint);
      this.sources.set(value, id);
      this.parameter(id, { Type: 'String', Default: value, Description: description });
    }
    return ref(id);
  }

  role(arn: string): Expression {
    return this.source(
      arn,
      `Execution role (recorded: ${arn})`,
      `role ${arn.split('/').pop() ?? 'execution'}`,
    );
  }

  /** Where a stored package is: the `CodeBucket` and `CodeKeyPrefix` parameters and its sha256. */
  code(sha256: string): { S3Bucket: Expression; S3Key: Expression } {
    const bucket = this.parameter('CodeBucket', {
      Type: 'String',
      ...(this.options.code.bucket ? { Default: this.options.code.bucket } : {}),
      Description:
        'S3 bucket in the stack region that holds the code and layer packages (triggervault export-template --upload-code-to)',
    });
    const prefix = this.parameter('CodeKeyPrefix', {
      Type: 'String',
      Default: this.options.code.keyPrefix,
      Description: 'Key prefix of the packages in CodeBucket; each is named by its sha256',
    });
    this.blobs.add(sha256);
    return { S3Bucket: bucket, S3Key: join(prefix, sha256) };
  }

  registerFunction(arn: string, refs: FunctionRefs): void {
    this.functions.set(arn.split(':').slice(0, 7).join(':'), refs);
  }

  /** The expression of a (qualified) ARN of a function this template creates; undefined for any other ARN. */
  functionRef(arn: string | undefined): Expression | undefined {
    if (!arn?.startsWith('arn:') || arn.split(':')[2] !== 'lambda') return undefined;
    const parts = arn.split(':');
    const refs = this.functions.get(parts.slice(0, 7).join(':'));
    if (!refs) return undefined;
    const qualifier = parts[7];
    if (qualifier === undefined || qualifier === '$LATEST') return getAtt(refs.function, 'Arn');
    const target = /^\d+$/.test(qualifier) ? refs.versions[qualifier] : refs.aliases[qualifier];
    // Ref of a version or an alias is its ARN.
    return target ? ref(target) : undefined;
  }

  /** An ARN a setting points at: a function of this template, else a parameter (default: as recorded). */
  target(arn: string, description: string, hint: string): Expression {
    return this.functionRef(arn) ?? this.source(arn, description, hint);
  }

  /**
   * An AWS::Lambda::Permission that re-creates a resource-policy statement on the function (or the
   * version or alias) `on`; `sourceArn` replaces the recorded source (a rule or API of this template).
   * CloudFormation names the statement itself: the recorded Sid is kept in the resource's Metadata.
   */
  permission(
    statement: PolicyStatement,
    on: Expression,
    options: { sourceArn?: Expression; finalOnly?: boolean } = {},
  ): string {
    const input = addPermissionInput(statement);
    const account = input.SourceAccount === this.options.sourceAccount ? PSEUDO.account : input.SourceAccount;
    const sourceArn =
      options.sourceArn ??
      (input.SourceArn
        ? this.target(
            input.SourceArn,
            `Source allowed to invoke (statement ${statement.Sid})`,
            `source ${input.SourceArn.split(/[:/]/).pop()}`,
          )
        : undefined);
    const principal =
      input.Principal === `arn:aws:iam::${this.options.sourceAccount}:root` ||
      input.Principal === this.options.sourceAccount
        ? PSEUDO.account
        : input.Principal;
    return this.resource(
      this.logicalId('permission', String(input.FunctionName), statement.Sid),
      {
        Type: 'AWS::Lambda::Permission',
        Properties: compact({
          FunctionName: on,
          Action: input.Action,
          Principal: principal,
          SourceArn: sourceArn,
          SourceAccount: account,
          PrincipalOrgID: input.PrincipalOrgID,
          FunctionUrlAuthType: input.FunctionUrlAuthType,
        }),
        Metadata: { recordedSid: statement.Sid },
      },
      { finalOnly: options.finalOnly ?? true },
    );
  }

  /** The template of stage `stage` (1…stages), or the final one (undefined). */
  render(stage?: number): Record<string, unknown> {
    const at = stage ?? FINAL;
    if (stage !== undefined && (stage < 1 || stage > this.options.stages))
      throw new InputValidationError(`stage ${stage}: the export has ${this.options.stages} version stages`);
    const resolve = (value: unknown): unknown => {
      if (value instanceof Staged)
        return resolve(at <= value.perStage.length ? value.perStage[at - 1] : value.final);
      if (Array.isArray(value)) return value.map(resolve);
      if (value !== null && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, resolve(field)]));
      return value;
    };
    const kept = [...this.resources].filter(
      ([, entry]) => entry.from <= at && (!entry.finalOnly || at === FINAL),
    );
    const ids = new Set(kept.map(([id]) => id));
    const resources = Object.fromEntries(
      kept.map(([id, { resource }]) => {
        const dependsOn = resource.DependsOn?.filter((dependency) => ids.has(dependency));
        const { DependsOn: _dependsOn, ...rest } = resource;
        return [id, resolve(dependsOn?.length ? { ...rest, DependsOn: dependsOn } : rest)];
      }),
    );
    const outputs = at === FINAL ? Object.fromEntries(this.outputs) : {};
    const conditionNames = new Set(
      Object.values(resources).flatMap((resource) => (resource as CfnResource).Condition ?? []),
    );
    const conditions = [...this.conditions].filter(([id]) => conditionNames.has(id));
    const text = JSON.stringify([resources, outputs, conditions]);
    const used = [...this.parameters].filter(([id]) => text.includes(`{"Ref":"${id}"}`));
    return compact({
      AWSTemplateFormatVersion: '2010-09-09',
      Parameters: used.length ? Object.fromEntries(used) : undefined,
      Conditions: conditions.length ? Object.fromEntries(conditions) : undefined,
      Resources: resources,
      Outputs: Object.keys(outputs).length ? resolve(outputs) : undefined,
    }) as Record<string, unknown>;
  }
}

/** A copy without undefined fields (top level of each object, deeply). */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value === null || typeof value !== 'object' || value instanceof Staged) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([key, field]) => [key, compact(field)]),
  ) as T;
}
