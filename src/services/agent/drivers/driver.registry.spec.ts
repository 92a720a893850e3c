import { DriverUnavailableError, createDriver } from './driver.registry';
import { FakeDriver } from './fake.driver';

describe(createDriver.name, () => {
  it('builds the fake driver', async () => {
    await expect(createDriver('fake', { fake: { kinds: ['vm'] } })).resolves.toBeInstanceOf(FakeDriver);
  });

  it('answers a clear error for qemu (not in this build) and for unknown names', async () => {
    await expect(createDriver('qemu')).rejects.toThrow(new DriverUnavailableError('the qemu driver (VM instances) is not available in this build yet: use --driver docker or --driver fake'));
    await expect(createDriver('xen')).rejects.toThrow(/unknown driver xen: choose one of fake, docker, qemu/);
  });

  it('answers a clear error when the docker engine is unreachable', async () => {
    await expect(createDriver('docker', { dockerHost: 'unix:///nonexistent/engine.sock' }))
      .rejects.toThrow(/the container engine at unix:\/\/\/nonexistent\/engine.sock is not reachable/);
  });
});
