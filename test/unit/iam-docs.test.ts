import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { HANDLERS } from '../../deploy/handlers.js';

/** docs/iam.md keeps up with the stack: every handler's role has a row saying what it may do and why. */
describe('docs/iam.md', () => {
  it('has a row for every handler role of the generated stack', () => {
    // Prepare: the first cell of every table row that names roles
    const documented = new Set(
      readFileSync('docs/iam.md', 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('| ') && !/^\| (Role|Action)/.test(line))
        .flatMap((line) => (line.split('|')[1] ?? '').split(',').map((name) => name.trim())),
    );
    // Assess
    expect(HANDLERS.map((handler) => handler.name).filter((name) => !documented.has(name))).toEqual([]);
  });
});
