import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { ContextRequest } from '../auth/auth.guard';

/** The caller's RequestContext (set by AuthGuard). */
export const Ctx = createParamDecorator((_data: unknown, execution: ExecutionContext) =>
  execution.switchToHttp().getRequest<ContextRequest>().context);
