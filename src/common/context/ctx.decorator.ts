import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { ContextRequest } from '../auth/auth.guard';
import { httpRequest } from '../http/http-args';

/** The caller's RequestContext (set by AuthGuard). */
export const Ctx = createParamDecorator((_data: unknown, execution: ExecutionContext) =>
  httpRequest<ContextRequest>(execution).context);
