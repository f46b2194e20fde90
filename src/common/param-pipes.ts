import { BadRequestException, ParseIntPipe, ParseUUIDPipe } from '@nestjs/common';

/**
 * Route parameter pipes whose 400 says which parameter was wrong and what it should be, e.g.
 * "linkId must be a link id (a UUID)".
 */
export function uuidParam(param: string, what?: string): ParseUUIDPipe {
  const expected = what ? `${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what} id (a UUID)` : 'a UUID';
  return new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(`${param} must be ${expected}`) });
}

/** A 0-based slide number in the path. */
export function slideIndexParam(param: string): ParseIntPipe {
  return new ParseIntPipe({
    exceptionFactory: () => new BadRequestException(`${param} must be a 0-based slide number (0, 1, …)`),
  });
}
