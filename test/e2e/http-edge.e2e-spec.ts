import { TestBerth, startTestBerth } from '../utils/test-berth';

jest.setTimeout(60000);

describe('the HTTP edge every service shares', () => {
  let t: TestBerth;
  let admin: string;

  beforeAll(async () => {
    t = await startTestBerth({ settings: { BERTH_MAX_BODY_BYTES: '4096' } });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  it('puts an x-openstack-request-id on every response, errors included, unique per request', async () => {
    const a = await t.http().get('/healthz');
    const b = await t.http().get('/compute/v2.1/nothing-here');
    expect(a.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(b.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(a.headers['x-openstack-request-id']).not.toBe(b.headers['x-openstack-request-id']);
  });

  it('answers unknown paths with 404 in each service\'s own error body', async () => {
    const nova = await t.http().get('/compute/v2.1/no-such-thing').set('X-Auth-Token', admin);
    expect(nova.status).toBe(404);
    expect(nova.body).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    const cinder = await t.http().get('/volume/v3/x/no-such-thing').set('X-Auth-Token', admin);
    expect(cinder.body.itemNotFound.code).toBe(404);
    const neutron = await t.http().get('/networking/v2.0/nothing').set('X-Auth-Token', admin);
    expect(neutron.status).toBe(404);
    expect(neutron.body.NeutronError).toMatchObject({ type: 'HTTPNotFound', detail: '' });
    const keystone = await t.http().get('/identity/v3/nothing').set('X-Auth-Token', admin);
    expect(keystone.body.error).toMatchObject({ code: 404, title: 'Not Found' });
    const placement = await t.http().get('/placement/nothing');
    expect(placement.body.errors[0]).toMatchObject({ status: 404, title: 'Not Found' });
    const zun = await t.http().get('/container/v1/nothing');
    expect(zun.body.errors[0]).toMatchObject({ status: 404, title: 'The resource could not be found.' });
  });

  it('answers a body over the configured size with 413 and changes nothing', async () => {
    const big = 'x'.repeat(8192);
    const res = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'big', description: big } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe(413);
    const list = await t.http().get('/identity/v3/projects?name=big').set('X-Auth-Token', admin);
    expect(list.body.projects).toHaveLength(0);
  });

  it('answers malformed JSON and a non-JSON media type with 4xx, never 500', async () => {
    const malformed = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).set('content-type', 'application/json').send('{"project": {');
    expect(malformed.status).toBe(400);
    const textBody = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).set('content-type', 'text/plain').send('hello');
    expect(textBody.status).toBe(415);
    const noBody = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin);
    expect(noBody.status).toBe(400);
    const arrayBody = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).send([1, 2]);
    expect(arrayBody.status).toBe(400);
  });

  it('serves liveness, readiness (database and bus) and Prometheus metrics', async () => {
    expect((await t.http().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.http().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok', bus: 'ok' } });
    const metrics = await t.http().get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toMatch(/berth_http_requests_total\{service="identity",method="GET",status="200"\} \d+/);
    expect(metrics.text).toContain('berth_process_resident_memory_bytes');
  });
});
