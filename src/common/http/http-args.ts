import { ExecutionContext } from '@nestjs/common';

/*
 * The request and the reply of an HTTP execution context, by position (Nest passes [request,
 * reply, next]). switchToHttp() assigns three new closures to the context on every call, and the
 * guards and parameter decorators that read the request run on every request.
 */
export const httpRequest = <T>(execution: ExecutionContext): T => execution.getArgByIndex<T>(0);
export const httpReply = <T>(execution: ExecutionContext): T => execution.getArgByIndex<T>(1);
