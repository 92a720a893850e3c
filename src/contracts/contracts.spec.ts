import { getMetadataStorage } from 'class-validator';
import { ALL_CONTRACTS } from './all-contracts';
import { ParamsDto } from './rpc';

function fieldsOf(dto: ParamsDto): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))].sort();
}

/**
 * The shape of every contract, keyed by version. Changing a method or its params fields without
 * a new version fails here: bump the contract's version and record the new shape.
 */
const KNOWN_SHAPES: Record<string, Record<string, Record<string, string[]>>> = {
  identity: {
    '1.0': { getValidationKeys: [], listRevocations: ['afterId'] },
  },
  image: {
    '1.2': {
      getImage: ['imageId', 'reason'], getImageRef: ['imageId', 'reason'], findImage: ['nameOrId'],
      createSnapshotImage: ['containerFormat', 'diskFormat', 'name', 'properties', 'tags', 'visibility'], deleteImage: ['imageId', 'reason'],
    },
  },
  compute: {
    '1.1': {
      reportHost: ['driver', 'host', 'resources'],
      instanceEvent: ['event', 'host', 'instanceId', 'message', 'powerState'],
      reportInstances: ['host', 'instances', 'unknown'],
      scheduleInstance: ['attempt', 'instanceId', 'triedHosts'],
      imageCaptured: ['error', 'host', 'imageId', 'instanceId'],
    },
  },
  network: {
    '1.0': {
      resolveNetworkRequests: ['requests'], allocatePorts: ['host', 'instanceId', 'requests', 'zone'], releasePorts: ['instanceId', 'keepPortIds'],
      portPlugged: ['host', 'portId', 'up'],
    },
  },
  volume: {
    '1.0': {
      createVolume: ['volumeId'], deleteVolume: ['volumeId'], extendVolume: ['volumeId'], createSnapshot: ['snapshotId'], deleteSnapshot: ['snapshotId'],
    },
  },
  agent: {
    '1.1': {
      spawnInstance: ['spec'], destroyInstance: ['instanceId'], powerOn: ['instanceId'], powerOff: ['instanceId'],
      reboot: ['instanceId', 'type'], pause: ['instanceId'], unpause: ['instanceId'], prefetchImage: ['image'],
      getStatus: ['instanceId'], getConsoleOutput: ['instanceId', 'tailLines'], execute: ['command', 'instanceId'],
      updateLimits: ['flavor', 'instanceId'], killInstance: ['instanceId', 'signal'], listProcesses: ['instanceId', 'psArgs'],
      getStats: ['instanceId'], captureImage: ['imageId', 'instanceId', 'uploadUrl'],
    },
  },
};

describe('RPC contracts', () => {
  it.each(ALL_CONTRACTS.map((c) => [c.topic, c] as const))('%s matches the shape recorded for its version', (_topic, contract) => {
    const shape = Object.fromEntries(Object.entries(contract.methods as Record<string, ParamsDto>).map(([m, dto]) => [m, fieldsOf(dto)]));
    expect(KNOWN_SHAPES[contract.topic]?.[contract.version]).toEqual(shape);
  });
});
