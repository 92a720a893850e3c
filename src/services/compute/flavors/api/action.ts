import { Type } from '@nestjs/common';
import { BadRequestError } from '../../../../common/errors/api-error';
import { createValidationPipe } from '../../../../common/validation/validation.pipe';

const pipe = createValidationPipe();

/**
 * `POST .../action` bodies carry one key naming the action. Picks that action's request DTO and
 * validates the body with the same pipe as any other body; an unknown action is Nova's 400.
 */
export async function parseAction<A extends Record<string, Type<object>>>(body: unknown, actions: A): Promise<{ [K in keyof A & string]: { action: K; request: InstanceType<A[K]> } }[keyof A & string]> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('Malformed request body: an object naming one action is expected.');
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new BadRequestError('Malformed request body: exactly one action is expected.');
  const action = keys[0];
  if (!Object.prototype.hasOwnProperty.call(actions, action)) throw new BadRequestError(`There is no such action: ${action}`);
  const request = await pipe.transform(body, { type: 'body', metatype: actions[action], data: '' });
  return { action, request } as never;
}
