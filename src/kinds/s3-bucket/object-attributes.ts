import { GetObjectTaggingCommand, HeadObjectCommand, S3Client, type Tag } from '@aws-sdk/client-s3';
import { client } from '../../aws/clients.js';
import type { S3Location } from '../../store/store.js';
import type { ObjectEntry } from './format.js';

/**
 * An object's attributes (content type, metadata, headers, tags) and checksums, the same way for
 * backup and restore: as S3 reports them, as an index entry stores them, and as a request sets them.
 */

/** Response headers the backup keeps beside content type and metadata. */
export const HEADERS = [
  'CacheControl',
  'ContentDisposition',
  'ContentEncoding',
  'ContentLanguage',
  'WebsiteRedirectLocation',
] as const;

type HeaderFields = Partial<Record<(typeof HEADERS)[number], unknown>>;

/** The kept headers a response (GetObject, HeadObject) has, as strings. */
export const headersOf = (response: HeaderFields): Record<string, string> =>
  Object.fromEntries(
    HEADERS.filter((name) => response[name] !== undefined).map((name) => [name, String(response[name])]),
  );

export const stripQuotes = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '');

export const tagRecord = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
export const tagList = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** The Tagging field of a request (URL-encoded `key=value` pairs); undefined without tags. */
export const encodeTags = (tags: Tag[] | undefined): string | undefined =>
  tags?.length
    ? tags
        .map((tag) => `${encodeURIComponent(tag.Key ?? '')}=${encodeURIComponent(tag.Value ?? '')}`)
        .join('&')
    : undefined;

/**
 * The hex sha256 of a whole object from S3's base64 checksum; undefined when S3 has none or only a
 * composite one (multipart: a checksum of the parts' checksums).
 */
export const fullSha256 = (checksum: string | undefined, type: string | undefined): string | undefined =>
  checksum && !checksum.includes('-') && type !== 'COMPOSITE'
    ? Buffer.from(checksum, 'base64').toString('hex')
    : undefined;

/** Content type, metadata, headers and tags of an object, the same way for a live object and a stored copy. */
export interface Attributes {
  contentType?: string;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  tags: Record<string, string>;
}

export interface Head {
  size: number;
  etag: string;
  /** Hex sha256 of the whole object when S3 has one (not for composite multipart checksums). */
  sha256?: string;
  attributes: Attributes;
}

/** Size, ETag, checksum and attributes of an object; reads its tags only when it has some. */
export async function headObject(s3: S3Client, Bucket: string, Key: string): Promise<Head> {
  const response = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  const tags =
    (response.TagCount ?? 0) > 0
      ? ((await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet ?? [])
      : [];
  return {
    size: response.ContentLength ?? 0,
    etag: stripQuotes(response.ETag),
    sha256: fullSha256(response.ChecksumSHA256, response.ChecksumType),
    attributes: {
      contentType: response.ContentType,
      metadata: response.Metadata ?? {},
      headers: headersOf(response),
      tags: tagRecord(tags),
    },
  };
}

/** The attributes an index entry stores (`"attributes": "index"`). */
export const indexAttributes = (entry: ObjectEntry): Attributes => ({
  contentType: entry.contentType,
  metadata: entry.metadata ?? {},
  headers: entry.headers ?? {},
  tags: tagRecord(entry.tags),
});

/** Request fields that set an object's attributes explicitly (PutObject, CreateMultipartUpload, CopyObject REPLACE). */
export const attributeFields = (attributes: Attributes) => ({
  ContentType: attributes.contentType,
  Metadata: attributes.metadata,
  Tagging: encodeTags(tagList(attributes.tags)),
  ...attributes.headers,
});

/**
 * The attributes an entry's object must get: from the index, or from the stored copy in an S3 store;
 * undefined when they are on a copy this store cannot show (a file:// store).
 */
export async function wantedAttributes(
  storeBucket: S3Location | undefined,
  entry: ObjectEntry & { storedAt: string },
): Promise<Attributes | undefined> {
  if (entry.attributes === 'index') return indexAttributes(entry);
  if (!storeBucket) return undefined;
  const stored = await headObject(
    client(S3Client, storeBucket.region),
    storeBucket.bucket,
    storeBucket.key(entry.storedAt),
  );
  return stored.attributes;
}
