/** How long a signed data URL stays valid: long enough for an agent to queue and fetch a large image. */
export const DATA_URL_TTL_SECONDS = 3600;
/** How long a signed upload URL stays valid: a capture may wait behind the instance's other work, then stream for a while. */
export const UPLOAD_URL_TTL_SECONDS = 3600;

/** Glance's default page size for image lists (`limit_param_default`), and its maximum (`api_limit_max`). */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 1000;
