import { BadRequestException } from '@nestjs/common';
import { slideIndexParam, uuidParam } from './param-pipes';

const meta = { type: 'param' as const, data: 'x' };
const messageOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BadRequestException);
  return (e as BadRequestException).message;
};

describe('route parameter pipes', () => {
  it('names the parameter and what it should be', async () => {
    expect(await messageOf(uuidParam('linkId', 'link').transform('nope', meta))).toBe(
      'linkId must be a link id (a UUID)',
    );
    expect(await messageOf(uuidParam('id', 'account').transform('1', meta))).toBe('id must be an account id (a UUID)');
    expect(await messageOf(uuidParam('id').transform('1', meta))).toBe('id must be a UUID');
    expect(await messageOf(slideIndexParam('n').transform('first', meta))).toBe(
      'n must be a 0-based slide number (0, 1, …)',
    );
  });

  it('passes good values through', async () => {
    const id = '0b6f1d0e-3c1a-4c39-9d7e-6d2a8f0c1b2a';
    await expect(uuidParam('id').transform(id, meta)).resolves.toBe(id);
    await expect(slideIndexParam('n').transform('2', meta)).resolves.toBe(2);
  });
});
