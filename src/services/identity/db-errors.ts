import { QueryFailedError } from 'typeorm';
import { ConflictError } from '../../common/errors/api-error';

/** Turns a unique-index violation into Keystone's 409; rethrows anything else. */
export async function conflictOnDuplicate<T>(kind: string, name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23505') {
      throw new ConflictError(`Conflict occurred attempting to store ${kind} - Duplicate entry found with name ${name}.`);
    }
    throw err;
  }
}
