/** Domain errors: services throw these; the fault filter renders each service's OpenStack envelope. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly type?: string) {
    super(message);
    this.name = new.target.name;
  }
}
export class BadRequestError extends ApiError {
  constructor(message: string, type?: string) { super(400, message, type); }
}
export class UnauthorizedError extends ApiError {
  constructor(message = 'The request you have made requires authentication.', type?: string) { super(401, message, type); }
}
export class ForbiddenError extends ApiError {
  constructor(message = 'You are not authorized to perform the requested action.', type?: string) { super(403, message, type); }
}
export class NotFoundError extends ApiError {
  constructor(message: string, type?: string) { super(404, message, type); }
}
export class MethodNotAllowedError extends ApiError {
  constructor(message = 'The method is not allowed for the requested URL.') { super(405, message); }
}
export class NotAcceptableError extends ApiError {
  constructor(message: string) { super(406, message); }
}
export class ConflictError extends ApiError {
  constructor(message: string, type?: string) { super(409, message, type); }
}
export class InvalidStateError extends ConflictError {}
export class PayloadTooLargeError extends ApiError {
  constructor(message = 'Request is too large.') { super(413, message); }
}
export class OverLimitError extends ApiError {
  constructor(message: string, type?: string) { super(413, message, type); }
}
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message = 'The request media type is not supported.') { super(415, message); }
}
export class TooManyRequestsError extends ApiError {
  constructor(message: string) { super(429, message); }
}
export class NotImplementedError extends ApiError {
  constructor(message: string) { super(501, message); }
}
export class ServiceUnavailableError extends ApiError {
  constructor(message: string, type?: string) { super(503, message, type); }
}

/** The bus could not get a reply in time. */
export class MessagingTimeoutError extends ApiError {
  constructor(message: string) { super(504, message, 'MessagingTimeout'); }
}

const byName: Record<string, new (message: string, type?: string) => ApiError> = {
  BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError, ConflictError, InvalidStateError,
  OverLimitError, TooManyRequestsError, NotImplementedError, ServiceUnavailableError, MessagingTimeoutError,
};

/** Wire form of an error carried in an RPC reply. */
export interface RpcErrorBody { name: string; status: number; message: string; type?: string }

export function encodeRpcError(err: unknown): RpcErrorBody {
  if (err instanceof ApiError) return { name: err.name, status: err.status, message: err.message, type: err.type };
  return { name: 'InternalError', status: 500, message: 'The server has either erred or is incapable of performing the requested operation.' };
}

export function decodeRpcError(body: RpcErrorBody): ApiError {
  const Ctor = byName[body.name];
  if (Ctor) return new Ctor(body.message, body.type);
  return new ApiError(body.status, body.message, body.type);
}
