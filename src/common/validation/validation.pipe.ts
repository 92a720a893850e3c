import { ValidationError, ValidationPipe } from '@nestjs/common';
import { BadRequestError } from '../errors/api-error';

function firstProblem(errors: ValidationError[], path = ''): string {
  for (const e of errors) {
    const here = path ? `${path}.${e.property}` : e.property;
    if (e.constraints) {
      const [key, text] = Object.entries(e.constraints)[0];
      if (key === 'whitelistValidation') return `Invalid input for field '${here}': additional properties are not allowed.`;
      return `Invalid input for field '${here}': ${text.replace(new RegExp(`^${e.property} `), '')}.`;
    }
    if (e.children?.length) return firstProblem(e.children, here);
  }
  return 'Invalid input.';
}

/** Unknown fields and wrong types are 400s naming the field, as OpenStack's schema validation does. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new BadRequestError(firstProblem(errors)),
  });
}
