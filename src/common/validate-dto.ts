import { BadRequestException, ValidationError, ValidationPipeOptions } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

/** The options of the global ValidationPipe; routes that validate by hand (multipart) use the same. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
};

export function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const name = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? `${prefix}.` : ''}${m}` : `${name}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], name)];
  });
}

export async function validateDto<T extends object>(cls: ClassConstructor<T>, plain: unknown): Promise<T> {
  if (!plain || typeof plain !== 'object' || Array.isArray(plain))
    throw new BadRequestException(['the request body must be a JSON object']);
  const instance = plainToInstance(cls, plain);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw new BadRequestException(flatten(errors));
  return instance;
}
