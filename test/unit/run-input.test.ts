import { describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { RunInput } from '../../schemas/run-input.js';
import { InputValidationError } from '../../src/errors.js';

describe('run input', () => {
  it('accepts {} (every field has a default resolved in Plan)', () => {
    expect(parseOrThrow(RunInput, {}, 'run input')).toEqual({});
  });

  it.each([
    [{ regions: 5 }, 'regions'],
    [{ regions: ['mars-central-1x'] }, 'regions.0'],
    [{ include: ['lambda-function', 'ec2-instance'] }, 'include.1'],
    [{ resume: '../../etc' }, 'resume'],
    [{ unexpected: true }, 'unexpected'],
    [{ tables: 'orders' }, 'tables'],
  ])('rejects %j with a message naming %s', (input, field) => {
    // Act
    const attempt = () => parseOrThrow(RunInput, input, 'run input');
    // Assess
    expect(attempt).toThrow(InputValidationError);
    expect(attempt).toThrow(new RegExp(`(^|[ ;(])${field.replace('.', '\\.')}\\b|"${field}"`));
  });
});
