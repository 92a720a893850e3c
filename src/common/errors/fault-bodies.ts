import { ServiceEndpointSpec } from '../http/service-prefixes';

const novaFaultNames: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  406: 'notAcceptable', 409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
  501: 'notImplemented', 503: 'serviceUnavailable',
};

const titles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type',
  429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const neutronTypes: Record<number, string> = {
  400: 'HTTPBadRequest', 401: 'HTTPUnauthorized', 403: 'HTTPForbidden', 404: 'HTTPNotFound', 405: 'HTTPMethodNotAllowed',
  409: 'HTTPConflict', 413: 'HTTPRequestEntityTooLarge', 415: 'HTTPUnsupportedMediaType', 500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented', 503: 'HTTPServiceUnavailable',
};

export function titleFor(status: number): string {
  return titles[status] ?? 'Error';
}

/** The error body each OpenStack service answers with (style.md §7). */
export function faultBody(spec: ServiceEndpointSpec | undefined, status: number, message: string, type: string | undefined, requestId: string): unknown {
  switch (spec?.faults) {
    case 'keystone':
      return { error: { code: status, title: titleFor(status), message } };
    case 'neutron':
      return { NeutronError: { type: type ?? neutronTypes[status] ?? 'HTTPError', message, detail: '' } };
    case 'placement':
      return { errors: [{ status, title: titleFor(status), detail: message, code: type ?? null, request_id: requestId }] };
    case 'zun':
      // Zun puts the message in `title`, which is what zunclient prints.
      return { errors: [{ status, title: message, detail: message, code: type ?? null, request_id: requestId, links: [] }] };
    case 'glance':
      return { code: status, title: titleFor(status), message };
    default:
      return { [novaFaultNames[status] ?? 'computeFault']: { code: status, message } };
  }
}
