import { zipSync } from 'fflate';

/** A deployment package with fixed timestamps, so the same sources always give the same CodeSha256. */
export function zipFiles(files: Record<string, string | Uint8Array>): Uint8Array {
  const entries = Object.fromEntries(
    Object.entries(files).map(([path, content]) => [
      path,
      [
        typeof content === 'string' ? new TextEncoder().encode(content) : content,
        { mtime: new Date('2020-01-01T00:00:00Z') },
      ] as const,
    ]),
  );
  return zipSync(entries as Parameters<typeof zipSync>[0]);
}
