import { join } from 'node:path';
import { DockerDriver, DockerDriverOptions, resolveDockerHost } from './docker.driver';
import { EngineDriver } from './engine.driver';
import { FakeDriver, FakeDriverOptions } from './fake.driver';

export const DRIVER_NAMES = ['fake', 'docker', 'qemu'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

/** The driver exists by name but cannot run in this build or on this host. */
export class DriverUnavailableError extends Error {}

export interface DriverSettings {
  /** docker: the engine's address (`unix:///…`, `tcp://…`); default: the first socket of DEFAULT_DOCKER_SOCKETS. */
  dockerHost?: string;
  /** The agent's data directory (BERTH_DATA_DIR): docker keeps its instances' container_info under `container-info/`. */
  dataDir?: string;
  docker?: DockerDriverOptions;
  fake?: FakeDriverOptions;
}

const REGISTRY: Record<DriverName, (s: DriverSettings) => Promise<EngineDriver>> = {
  fake: async (s) => new FakeDriver(s.fake),
  docker: async (s) => {
    try {
      const infoDir = s.dataDir ? join(s.dataDir, 'container-info') : undefined;
      return await DockerDriver.connect(resolveDockerHost(s.dockerHost), { infoDir, ...s.docker });
    } catch (err) {
      throw new DriverUnavailableError((err as Error).message);
    }
  },
  qemu: async () => {
    throw new DriverUnavailableError('the qemu driver (VM instances) is not available in this build yet: use --driver docker or --driver fake');
  },
};

export function isDriverName(name: string): name is DriverName {
  return (DRIVER_NAMES as readonly string[]).includes(name);
}

/** Builds the driver chosen by name (`berth agent --driver`); a clear error when it cannot run here. */
export async function createDriver(name: string, settings: DriverSettings = {}): Promise<EngineDriver> {
  if (!isDriverName(name)) throw new DriverUnavailableError(`unknown driver ${name}: choose one of ${DRIVER_NAMES.join(', ')}`);
  return REGISTRY[name](settings);
}
