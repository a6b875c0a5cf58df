import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  type FunctionCode,
  type FunctionConfiguration,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  LambdaClient,
  PublishVersionCommand,
  paginateListVersionsByFunction,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import type { Change } from '../../../../schemas/restore.js';
import { client } from '../../../aws/clients.js';
import { errorName, ifExists } from '../../../aws/errors.js';
import { TransientAwsError } from '../../../errors.js';
import type { RestoreContext } from '../../../reconcile/context.js';
import { diffFields, reconcile } from '../../../reconcile/diff.js';
import { assertCodeSha256 } from '../../../reconcile/store-code.js';
import type { FunctionSnapshot } from '../format.js';

import { codeInput, functionSettings, type Revision, revisionOf, sameRevision } from './revision.js';

/**
 * CreateFunction. When this restore created the function's role moments ago (the roles tier), Lambda
 * may not be able to assume it yet (IAM propagates in seconds): that refusal is transient, and the
 * state machine retries the item. Any other role Lambda cannot assume is a failure.
 */
async function createFunction(lambda: LambdaClient, command: CreateFunctionCommand, newRole: boolean) {
  try {
    return await lambda.send(command);
  } catch (error) {
    const refused =
      errorName(error) === 'InvalidParameterValueException' &&
      /cannot be assumed/i.test((error as Error).message);
    if (refused && newRole)
      throw new TransientAwsError(`${(error as Error).message} (a new role propagates within seconds)`, {
        cause: error,
      });
    throw error;
  }
}

/** What publishing left behind for the later phases. */
export interface Published {
  /** The function as it was before this restore (undefined: it did not exist). */
  found: GetFunctionCommandOutput | undefined;
  /** The function exists now (or will, once a dry run is applied). */
  exists: boolean;
  /** Stored version number → the number it got here. */
  versionMap: Record<string, string>;
  /** $LATEST as the backup has it. */
  latest: Revision;
  changes: Change[];
  notes: string[];
}

/**
 * Code, configuration and versions: $LATEST of an existing function is compared first (it decides
 * whether versions may be published), a missing function is created from its first version, each
 * stored version is found again or published in order with its own code and configuration, and
 * $LATEST is brought to the backup's last.
 */
export async function restoreCodeAndVersions(
  snapshot: FunctionSnapshot,
  name: string,
  context: RestoreContext,
): Promise<Published> {
  const region = context.targetRegion;
  const lambda = client(LambdaClient, region);
  const notes: string[] = [];
  const changes: Change[] = [];
  const waitOptions = { client: lambda, maxWaitTime: 300, minDelay: 1, maxDelay: 5 };
  const codeFor = async (code: Revision['code']): Promise<FunctionCode> =>
    'path' in code
      ? await codeInput(context, code)
      : // The image in the target's registry (the ecr-image tier pushed it there by digest).
        { ImageUri: context.mapper.mapImageUri('imageUri' in code ? code.imageUri : undefined) };

  const found = await ifExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })));
  const latest = revisionOf(snapshot.configuration, snapshot.code, context.mapper);
  const firstVersion = snapshot.versions[0];
  const initial = firstVersion
    ? revisionOf(firstVersion.configuration, firstVersion.code, context.mapper)
    : latest;
  let state: Revision | undefined = found?.Configuration && {
    settings: functionSettings(found.Configuration),
    codeSha256: found.Configuration.CodeSha256 ?? '',
    code: {},
  };
  const bringLatestTo = async (wanted: Revision) => {
    if (!state) return;
    if (state.codeSha256 !== wanted.codeSha256) {
      const code = await codeFor(wanted.code);
      const updated = await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ...code,
          Architectures: wanted.architectures as never,
        }),
      );
      if ('sha256' in wanted.code)
        assertCodeSha256(`function ${name}`, updated.CodeSha256, wanted.code.sha256);
      await waitUntilFunctionUpdatedV2(waitOptions, { FunctionName: name });
    }
    if (diffFields(state.settings, wanted.settings).length > 0) {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, ...(wanted.settings as object) }),
      );
      await waitUntilFunctionUpdatedV2(waitOptions, { FunctionName: name });
    }
    state = wanted;
  };

  // $LATEST of an existing function is compared first: it decides whether versions may be published.
  let latestDiffers = false;
  if (found?.Configuration) {
    const current = { ...functionSettings(found.Configuration), CodeSha256: found.Configuration.CodeSha256 };
    const change = await reconcile(
      { apply: false, force: context.force },
      {
        resource: `function ${name}`,
        current,
        desired: { ...latest.settings, CodeSha256: latest.codeSha256 },
        create: async () => undefined,
        update: async () => undefined,
      },
    );
    latestDiffers = change.action === 'differs' || change.action === 'update';
    changes.push(change);
  } else {
    changes.push({ resource: `function ${name}`, action: 'create' });
    if (context.apply) {
      const recordedRole = snapshot.configuration.Role ?? '';
      const newRole =
        !context.mapper.spec.roles[recordedRole] &&
        context.mapper.isRestored('iam-role', recordedRole.split('/').at(-1) ?? '');
      const created = await createFunction(
        lambda,
        new CreateFunctionCommand({
          ...(initial.settings as { Role: string }),
          FunctionName: name,
          Code: await codeFor(initial.code),
          PackageType: snapshot.configuration.PackageType,
          Architectures: initial.architectures as never,
          Tags: snapshot.tags,
          CodeSigningConfigArn: context.mapper.mapArn(snapshot.codeSigningConfigArn),
        }),
        newRole,
      );
      if ('sha256' in initial.code) {
        try {
          assertCodeSha256(`function ${name}`, created.CodeSha256, initial.code.sha256);
        } catch (error) {
          // Never leave a function running code that is not the backup's.
          await lambda.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
          throw error;
        }
      }
      await waitUntilFunctionActiveV2(waitOptions, { FunctionName: name });
      state = initial;
    }
  }
  const exists = Boolean(found) || context.apply;

  // Versions, in order, each with its own code and configuration.
  const published: FunctionConfiguration[] = [];
  if (found) {
    for await (const page of paginateListVersionsByFunction({ client: lambda }, { FunctionName: name }))
      published.push(...(page.Versions ?? []).filter((version) => version.Version !== '$LATEST'));
  }
  const versionMap: Record<string, string> = {};
  let last = published.at(-1);
  let lastRevision: Revision | undefined = last && {
    settings: functionSettings(last),
    codeSha256: last.CodeSha256 ?? '',
    code: {},
  };
  let next = Math.max(0, ...published.map((version) => Number(version.Version))) + 1;
  let publishedAny = false;
  for (const stored of snapshot.versions) {
    const wanted = revisionOf(stored.configuration, stored.code, context.mapper);
    const resource = `version ${stored.version} of ${name}`;
    const same = published.find((version) => version.Version === stored.version);
    const equal =
      same && sameRevision(same, wanted) ? same : published.find((version) => sameRevision(version, wanted));
    if (equal?.Version) {
      versionMap[stored.version] = equal.Version;
      const drift =
        equal.Version !== stored.version ? `already published as version ${equal.Version}` : undefined;
      changes.push({ resource, action: 'unchanged', ...(drift ? { note: drift } : {}) });
      continue;
    }
    if (same && !context.force) {
      const fields = diffFields(
        { ...functionSettings(same), CodeSha256: same.CodeSha256 },
        { ...wanted.settings, CodeSha256: wanted.codeSha256 },
      );
      changes.push({
        resource,
        action: 'differs',
        fields,
        note: 'versions cannot change: --force publishes a new version',
      });
      continue;
    }
    if (latestDiffers && !context.force) {
      changes.push({
        resource,
        action: 'differs',
        note: 'publishing it changes $LATEST, which differs from the backup: use --force',
      });
      continue;
    }
    let number: string;
    if (context.apply) {
      await bringLatestTo(wanted);
      const description = stored.configuration.Description;
      const response = await lambda.send(
        new PublishVersionCommand({
          FunctionName: name,
          Description: description,
          CodeSha256: wanted.codeSha256,
        }),
      );
      number = response.Version as string;
      await waitUntilFunctionActiveV2(waitOptions, { FunctionName: name, Qualifier: number }).catch(
        () => undefined,
      );
    } else {
      const repeats =
        lastRevision &&
        lastRevision.codeSha256 === wanted.codeSha256 &&
        diffFields(lastRevision.settings, wanted.settings).length === 0;
      number = repeats && last?.Version ? last.Version : String(next++);
    }
    const repeated = last?.Version === number;
    const note = repeated
      ? `same code and configuration as version ${number}: Lambda does not publish it twice, so version ${stored.version} is version ${number}`
      : number !== stored.version
        ? `published as version ${number} (was ${stored.version}): version numbers drifted`
        : undefined;
    if (note) notes.push(`${name}: ${note}`);
    versionMap[stored.version] = number;
    last = { Version: number };
    lastRevision = wanted;
    publishedAny = true;
    changes.push({ resource, action: 'create', ...(note ? { note } : {}) });
  }
  // $LATEST last: the function's own code and configuration.
  if (context.apply && (!found || publishedAny || (latestDiffers && context.force)))
    await bringLatestTo(latest);
  return { found, exists, versionMap, latest, changes, notes };
}
