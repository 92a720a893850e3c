import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, OverLimitError } from '../../common/errors/api-error';

/**
 * Cinder's errors with its own wording. Quota errors carry the exception's class name in front, as
 * Cinder's fault wrapper renders the "safe" exceptions; Invalid and NotFound ones do not.
 */
export const cinderErrors = {
  volumeNotFound: (id: string) => new NotFoundError(`Volume ${id} could not be found.`),
  snapshotNotFound: (id: string) => new NotFoundError(`Snapshot ${id} could not be found.`),
  typeNotFound: (id: string) => new NotFoundError(`Volume type ${id} could not be found.`),
  typeNotFoundByName: (name: string) => new NotFoundError(`Volume type with name ${name} could not be found.`),
  defaultTypeNotFound: () => new NotFoundError('Default volume type can not be found.'),
  extraSpecNotFound: (typeId: string, key: string) => new NotFoundError(`Volume Type ${typeId} has no extra specs with key ${key}.`),
  metadataNotFound: (volumeId: string, key: string) => new NotFoundError(`Volume ${volumeId} has no metadata with key ${key}.`),
  qosNotFound: (id: string) => new NotFoundError(`No such QoS spec ${id}.`),
  qosKeyNotFound: (id: string, key: string) => new NotFoundError(`QoS spec ${id} has no spec with key ${key}.`),
  messageNotFound: (id: string) => new NotFoundError(`Message ${id} could not be found.`),
  versionNotFound: () => new NotFoundError('The resource could not be found.'),
  invalidInput: (reason: string) => new BadRequestError(`Invalid input received: ${reason}`),
  invalidVolume: (reason: string) => new BadRequestError(`Invalid volume: ${reason}`),
  invalidSnapshot: (reason: string) => new BadRequestError(`Invalid snapshot: ${reason}`),
  invalidVolumeType: (reason: string) => new BadRequestError(`Invalid volume type: ${reason}`),
  invalidQosSpecs: (reason: string) => new BadRequestError(`Invalid qos specs: ${reason}`),
  invalidAvailabilityZone: (az: string) => new BadRequestError(`Availability zone '${az}' is invalid.`),
  badRequest: (message: string) => new BadRequestError(message),
  malformedUrl: () => new BadRequestError('Malformed request url'),
  typeExists: (name: string) => new ConflictError(`Volume Type ${name} already exists.`),
  qosExists: (name: string) => new ConflictError(`QoS Specs ${name} already exists.`),
  policy: (action: string) => new ForbiddenError(`Policy doesn't allow ${action} to be performed.`),
  volumeLimitExceeded: (allowed: number, name: string) =>
    new OverLimitError(`VolumeLimitExceeded: Maximum number of volumes allowed (${allowed}) exceeded for quota '${name}'.`),
  snapshotLimitExceeded: (allowed: number) => new OverLimitError(`SnapshotLimitExceeded: Maximum number of snapshots allowed (${allowed}) exceeded`),
  sizeExceedsQuota: (name: string, requested: number, quota: number, consumed: number) =>
    new OverLimitError(`VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed ${name} quota. Requested ${requested}G, quota is ${quota}G and ${consumed}G has been consumed.`),
  sizeExceedsLimit: (size: number, limit: number) =>
    new OverLimitError(`VolumeSizeExceedsLimit: Requested volume size ${size}G is larger than maximum allowed limit ${limit}G.`),
};
