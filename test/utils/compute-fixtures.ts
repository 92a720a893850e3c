import { startAgent } from '../../src/services/agent/agent.runtime';
import { FakeDriver } from '../../src/services/agent/drivers/fake.driver';
import { TestBerth } from './test-berth';
import { until } from './until';

/** Fake hosts (4 vCPU, 4 GiB, containers) on the test berth's bus, registered before it returns. */
export async function startFakeHosts(t: TestBerth, hosts: string[]): Promise<{ stop(): Promise<void> }[]> {
  const agents = [];
  for (const host of hosts) {
    const driver = new FakeDriver({ resources: { vcpus: 4, memoryMb: 4096, diskGb: 40 }, kinds: ['container'] });
    agents.push(await startAgent({ bus: t.berth.bus, host, driver, reportIntervalMs: 500, syncIntervalMs: 60000 }));
  }
  const admin = await t.adminToken();
  await until('the fake hosts to register', async () => {
    const res = await t.http().get('/compute/v2.1/os-hypervisors').set('X-Auth-Token', admin);
    const names = (res.body.hypervisors ?? []).map((h: { hypervisor_hostname: string }) => h.hypervisor_hostname);
    return hosts.every((h) => names.includes(h)) ? true : undefined;
  });
  return agents;
}

/** A public container image whose bytes the fake driver accepts; returns its id. */
export async function uploadContainerImage(t: TestBerth, name = 'busybox'): Promise<string> {
  const admin = await t.adminToken();
  const image = await t.http().post('/image/v2/images').set('X-Auth-Token', admin)
    .send({ name, container_format: 'docker', disk_format: 'raw', visibility: 'public' });
  if (image.status !== 201) throw new Error(`image create: ${image.status} ${JSON.stringify(image.body)}`);
  const upload = await t.http().put(`/image/v2/images/${image.body.id}/file`).set('X-Auth-Token', admin)
    .set('content-type', 'application/octet-stream').send(Buffer.from('pretend this is a docker archive'));
  if (upload.status !== 204) throw new Error(`image upload: ${upload.status}`);
  return image.body.id;
}
