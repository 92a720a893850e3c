import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'berth_' });

export const httpRequests = new Counter({
  name: 'berth_http_requests_total',
  help: 'HTTP requests served, by service and status code',
  labelNames: ['service', 'method', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpDuration = new Histogram({
  name: 'berth_http_request_duration_seconds',
  help: 'HTTP request duration, by service',
  labelNames: ['service'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [metricsRegistry],
});
