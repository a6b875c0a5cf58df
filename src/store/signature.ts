import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  type SignCommandOutput,
} from '@aws-sdk/client-kms';
import { z } from 'zod';
import { RunId, Sha256Hex } from '../../schemas/common.js';
import { client, endpointUrl } from '../aws/clients.js';
import { errorName, isNotFound } from '../aws/errors.js';
import { InputValidationError, UntrustedManifestError } from '../errors.js';
import { sha256Hex } from './hashing.js';

/**
 * Signed manifests. Finalize signs each manifest with an asymmetric KMS key (ECC_NIST_P256,
 * ECDSA_SHA_256) that only its role may use (kms:Sign), and writes the signature beside it
 * (runs/<run>/manifest.sig.json) just before the manifest. Every command that trusts a run (verify,
 * restore, drill, copy, retention, incremental backups) checks it against the *configured* key:
 * the key named in the signature file is never trusted, since whoever can write the store can write
 * that file too. The manifest lists every artifact with its sha256 (and object copies are listed with
 * theirs in hashed index parts), so this one signature covers the whole run.
 *
 * What is signed is a short statement, `triggervault-manifest/1`, the run id, and the manifest's
 * sha256 and size, sent as a RAW message (KMS hashes it): small enough for KMS's 4 KB limit whatever
 * the manifest's size, binds the manifest to its run (a signed manifest moved to another run id does
 * not verify), and lets a reader refuse a manifest of the wrong size before reading any of it.
 *
 * Which key: TRIGGERVAULT_SIGNING_KEY (key id, key ARN, alias name or alias ARN), by default the alias
 * `alias/triggervault-manifest` in AWS_REGION (against the emulator, always in us-east-1). The deployed stack creates its key and sets the variable
 * on every function. Locally against the emulator (AWS_ENDPOINT_URL set) the default key is created in
 * the emulator on first use: runs are then verifiable for as long as that emulator runs, like
 * everything else in it. A `file://` store is signed the same way (the key is in KMS, not in the
 * store); with no KMS at all, `--allow-unsigned` writes and accepts unsigned manifests, loudly.
 * Verification reads the key's public key once (kms:GetPublicKey) and checks signatures locally.
 */

export const DEFAULT_SIGNING_KEY = 'alias/triggervault-manifest';
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256';
/** Where the emulator's default signing key is made (see signingKey). */
const LOCAL_KEY_REGION = 'us-east-1';

/** One signature of one version of a run's manifest. */
export const Signature = z.object({
  /** The key that signed (for the record: the configured key is the one checked). */
  keyArn: z.string().min(1),
  algorithm: z.literal(SIGNING_ALGORITHM),
  manifestSha256: Sha256Hex,
  manifestBytes: z.number().int().nonnegative(),
  /** DER-encoded ECDSA signature, base64. */
  signature: z.string().min(1).max(4096),
  signedAt: z.string(),
});
export type Signature = z.infer<typeof Signature>;

/**
 * manifest.sig.json. A redrive finalizes its run again: its new manifest's signature is added (the
 * previous one is kept, at most MAX_SIGNATURES), the file is written, then the manifest: at every
 * moment the stored manifest has a valid signature in the file, whichever write a crash interrupts.
 */
export const ManifestSignatures = z.object({
  format: z.literal(1),
  runId: RunId,
  signatures: z.array(Signature).min(1).max(8),
});
export type ManifestSignatures = z.infer<typeof ManifestSignatures>;
export const MAX_SIGNATURES = 8;

/** What is signed: the run, and the manifest's hash and size. */
export const signingStatement = (runId: string, sha256: string, bytes: number): Buffer =>
  Buffer.from(`triggervault-manifest/1\nrun ${runId}\nsha256 ${sha256}\nbytes ${bytes}\n`);

export interface SigningKey {
  /** As configured: key id, key ARN, alias name or alias ARN. */
  id: string;
  /** The KMS region of the key (from its ARN, else AWS_REGION). */
  region: string;
}

/** The configured signing key (see the module comment). */
export function signingKey(): SigningKey {
  const id = process.env.TRIGGERVAULT_SIGNING_KEY || DEFAULT_SIGNING_KEY;
  const fromArn = id.startsWith('arn:') ? id.split(':')[3] : undefined;
  // The emulator's default key lives in one region, whatever region a process works in: every local
  // process (CLI, bench children, tests) signs and checks with the same key.
  const local = !fromArn && id === DEFAULT_SIGNING_KEY && endpointUrl() ? LOCAL_KEY_REGION : undefined;
  return {
    id,
    region: fromArn || local || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
  };
}

const kms = (key: SigningKey) => client(KMSClient, key.region);

/**
 * Against the emulator only: creates the default signing key when it does not exist yet. Against
 * AWS a missing key is an error of its own (deploy the stack or set TRIGGERVAULT_SIGNING_KEY): a
 * signing key is never made silently in a real account.
 */
export async function ensureLocalSigningKey(key: SigningKey = signingKey()): Promise<void> {
  if (!endpointUrl() || key.id !== DEFAULT_SIGNING_KEY) return;
  try {
    await kms(key).send(new DescribeKeyCommand({ KeyId: key.id }));
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const created = await kms(key).send(
    new CreateKeyCommand({
      Description: 'triggervault manifest signing (local emulator)',
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
    }),
  );
  await kms(key)
    .send(new CreateAliasCommand({ AliasName: key.id, TargetKeyId: created.KeyMetadata?.KeyId }))
    .catch((error) => {
      // Another process created it meanwhile: theirs is the key.
      if (errorName(error) !== 'AlreadyExistsException') throw error;
    });
}

const missingKey = (key: SigningKey, error: unknown) =>
  new InputValidationError(
    `signing key: ${key.id} in ${key.region} cannot be used (${errorName(error) || String(error)}); ` +
      'deploy the stack, set TRIGGERVAULT_SIGNING_KEY to its manifest key, or pass --allow-unsigned',
  );

/** Signs a manifest's bytes as run `runId` (Finalize only: its role alone has kms:Sign). */
export async function signManifest(
  runId: string,
  manifest: Buffer,
  key: SigningKey = signingKey(),
): Promise<Signature> {
  await ensureLocalSigningKey(key);
  const sha256 = sha256Hex(manifest);
  let answer: SignCommandOutput;
  try {
    answer = await kms(key).send(
      new SignCommand({
        KeyId: key.id,
        Message: signingStatement(runId, sha256, manifest.length),
        MessageType: 'RAW',
        SigningAlgorithm: SIGNING_ALGORITHM,
      }),
    );
  } catch (error) {
    if (isNotFound(error) || errorName(error) === 'DisabledException') throw missingKey(key, error);
    throw error;
  }
  return {
    keyArn: answer.KeyId ?? key.id,
    algorithm: SIGNING_ALGORITHM,
    manifestSha256: sha256,
    manifestBytes: manifest.length,
    signature: Buffer.from(answer.Signature ?? new Uint8Array()).toString('base64'),
    signedAt: new Date().toISOString(),
  };
}

interface PublicKey {
  arn: string;
  key: KeyObject;
}

const publicKeys = new Map<string, Promise<PublicKey>>();

/** The configured key's ARN and public key, asked once per process. */
function publicKeyOf(key: SigningKey): Promise<PublicKey> {
  const cacheKey = `${key.region}|${key.id}|${endpointUrl() ?? ''}`;
  let found = publicKeys.get(cacheKey);
  if (!found) {
    found = (async () => {
      await ensureLocalSigningKey(key);
      const answer = await kms(key)
        .send(new GetPublicKeyCommand({ KeyId: key.id }))
        .catch((error) => {
          throw isNotFound(error) ? missingKey(key, error) : error;
        });
      if (!answer.PublicKey || !answer.KeyId)
        throw new InputValidationError(`signing key: ${key.id} has no public key`);
      return {
        arn: answer.KeyId,
        key: createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' }),
      };
    })();
    found.catch(() => publicKeys.delete(cacheKey));
    publicKeys.set(cacheKey, found);
  }
  return found;
}

/**
 * The signed versions of run `runId`'s manifest that weigh `bytes` and whose signatures verify with
 * the configured key: their sha256s. The caller reads the manifest (no more than `bytes`) and accepts
 * it only if it hashes to one of them. Throws UntrustedManifestError (naming why) when none qualifies,
 * before the manifest is read at all.
 */
export async function signedVersions(
  runId: string,
  raw: unknown,
  bytes: number,
  key: SigningKey = signingKey(),
): Promise<Set<string>> {
  const parsed = ManifestSignatures.safeParse(raw);
  if (!parsed.success || parsed.data.runId !== runId)
    throw new UntrustedManifestError(`run ${runId}: manifest.sig.json is not a signature of this run`);
  const trusted = await publicKeyOf(key);
  const ofSize = parsed.data.signatures.filter((entry) => entry.manifestBytes === bytes);
  if (!ofSize.length)
    throw new UntrustedManifestError(
      `run ${runId}: manifest.json is ${bytes} bytes, no signed version is: changed after signing`,
    );
  const valid = ofSize.filter((entry) =>
    verify(
      'sha256',
      signingStatement(runId, entry.manifestSha256, entry.manifestBytes),
      trusted.key,
      Buffer.from(entry.signature, 'base64'),
    ),
  );
  if (!valid.length)
    throw new UntrustedManifestError(
      `run ${runId}: the manifest signature does not verify with ${trusted.arn} (forged, or signed by another key)`,
    );
  return new Set(valid.map((entry) => entry.manifestSha256));
}

/** The signature file after adding `signature` (the newest first, the oldest dropped past the limit). */
export function withSignature(runId: string, existing: unknown, signature: Signature): ManifestSignatures {
  const parsed = ManifestSignatures.safeParse(existing);
  const kept = parsed.success && parsed.data.runId === runId ? parsed.data.signatures : [];
  return { format: 1, runId, signatures: [signature, ...kept].slice(0, MAX_SIGNATURES) };
}
