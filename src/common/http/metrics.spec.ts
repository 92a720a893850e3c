import { Registry } from 'prom-client';
import { HttpMetrics } from './metrics';

describe(HttpMetrics.name, () => {
  let registry: Registry;
  let sut: HttpMetrics;

  beforeEach(() => {
    registry = new Registry();
    sut = new HttpMetrics(registry);
  });

  it('counts requests by service, method and status', async () => {
    sut.record('identity', 'GET', 200, 0.002);
    sut.record('identity', 'GET', 200, 0.003);
    sut.record('compute', 'POST', 202, 0.02);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE berth_http_requests_total counter');
    expect(text).toContain('berth_http_requests_total{service="identity",method="GET",status="200"} 2');
    expect(text).toContain('berth_http_requests_total{service="compute",method="POST",status="202"} 1');
  });

  it('exposes cumulative duration buckets, the sum and the count per service', async () => {
    sut.record('identity', 'GET', 200, 0.001);
    sut.record('identity', 'GET', 200, 0.004);
    sut.record('identity', 'GET', 500, 30);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE berth_http_request_duration_seconds histogram');
    expect(text).toContain('berth_http_request_duration_seconds_bucket{le="0.001",service="identity"} 1');
    expect(text).toContain('berth_http_request_duration_seconds_bucket{le="0.0025",service="identity"} 1');
    expect(text).toContain('berth_http_request_duration_seconds_bucket{le="0.005",service="identity"} 2');
    expect(text).toContain('berth_http_request_duration_seconds_bucket{le="10",service="identity"} 2');
    expect(text).toContain('berth_http_request_duration_seconds_bucket{le="+Inf",service="identity"} 3');
    expect(text).toContain('berth_http_request_duration_seconds_sum{service="identity"} 30.005');
    expect(text).toContain('berth_http_request_duration_seconds_count{service="identity"} 3');
  });

  it('starts over when the registry is reset', async () => {
    sut.record('image', 'GET', 200, 0.01);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('service="image"');
  });
});
