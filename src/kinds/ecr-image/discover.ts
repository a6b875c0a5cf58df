import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { client } from '../../aws/clients.js';
import { paginate } from '../../aws/paginate.js';
import { matchesAny } from '../../glob.js';
import { tagRecord } from '../shared/document.js';
import type { Wiring } from '../types.js';
import { imageName } from './format.js';

/**
 * Which images a run backs up (items are named `REPOSITORY@sha256:DIGEST`): those the region's
 * image-packaged functions run ($LATEST and every version, as Lambda resolved them), and those the
 * run's globs select (matched against `REPOSITORY@DIGEST` and `REPOSITORY:TAG`).
 */

const IMAGE_URI = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)@(sha256:[0-9a-f]{64})$/;

export async function wiredImages(wiring: Wiring): Promise<string[]> {
  const images = (await wiring.functionImages()).flatMap((uri) => {
    const found = IMAGE_URI.exec(uri);
    return found && found[1] === wiring.region ? [`${found[2]}@${found[3]}`] : [];
  });
  return [...new Set(images)];
}

/** The images selected by globs; an exact `REPOSITORY@DIGEST` (a wired image) is kept as it is. */
export async function discoverImages(region: string, patterns: string[]): Promise<string[]> {
  const exact = patterns.filter((pattern) => /@sha256:[0-9a-f]{64}$/.test(pattern) && !/[*?]/.test(pattern));
  const globs = patterns.filter((pattern) => !exact.includes(pattern));
  const selected = new Set(exact);
  if (globs.length) {
    const ecr = client(ECRClient, region);
    const repositories = await paginate(async (nextToken) => {
      const page = await ecr.send(new DescribeRepositoriesCommand({ nextToken }));
      return {
        items: page.repositories?.map((repository) => repository.repositoryName as string),
        next: page.nextToken,
      };
    });
    // A glob's part before `@` or `:` selects repositories; only those are listed image by image.
    const repositoryGlobs = globs.map((glob) => glob.split(/[@:]/)[0] || '*');
    for (const repositoryName of repositories) {
      if (!matchesAny(repositoryName, repositoryGlobs)) continue;
      const images = await paginate(async (nextToken) => {
        const page = await ecr.send(new DescribeImagesCommand({ repositoryName, nextToken }));
        return { items: page.imageDetails, next: page.nextToken };
      });
      for (const image of images) {
        const names = [
          `${repositoryName}@${image.imageDigest}`,
          ...(image.imageTags ?? []).map((tag) => `${repositoryName}:${tag}`),
        ];
        if (names.some((name) => matchesAny(name, globs)))
          selected.add(`${repositoryName}@${image.imageDigest}`);
      }
    }
  }
  return [...selected].filter((name) => imageName(name).repository);
}

/** The repository's tags (policies select images by their repository's tags). */
export async function tagsOfImage(region: string, name: string): Promise<Record<string, string>> {
  const ecr = client(ECRClient, region);
  const { repository } = imageName(name);
  const found = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
  const arn = found.repositories?.[0]?.repositoryArn;
  return arn ? tagRecord((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags) : {};
}
