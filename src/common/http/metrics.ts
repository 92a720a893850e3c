import { Metric, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'berth_' });

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

interface ServiceTally {
  /** method → status code → requests */
  requests: Map<string, Map<number, number>>;
  /** Requests per duration bucket, not cumulative; the last counts those above every bound. */
  buckets: number[];
  seconds: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * berth_http_requests_total (by service, method, status) and berth_http_request_duration_seconds
 * (by service). Every request adds to a few plain numbers, and prom-client's shape is built only
 * when /metrics is read: prom-client's own Counter.inc and Histogram.observe hash a label object
 * on every call, about 1 µs per request together, a visible share of a small request's cost.
 */
export class HttpMetrics {
  private readonly tallies = new Map<string, ServiceTally>();

  constructor(registry: Registry) {
    this.register(registry, 'berth_http_requests_total', 'HTTP requests served, by service and status code', 'counter', () => this.requestValues());
    this.register(registry, 'berth_http_request_duration_seconds', 'HTTP request duration, by service', 'histogram', () => this.durationValues());
  }

  record(service: string, method: string, status: number, seconds: number): void {
    let tally = this.tallies.get(service);
    if (!tally) {
      tally = { requests: new Map(), buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), seconds: 0, count: 0 };
      this.tallies.set(service, tally);
    }
    let byStatus = tally.requests.get(method);
    if (!byStatus) {
      byStatus = new Map();
      tally.requests.set(method, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]) bucket++;
    tally.buckets[bucket]++;
    tally.seconds += seconds;
    tally.count++;
  }

  private register(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
    const metric = {
      name, help, type, aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => this.tallies.clear(),
    };
    // The registry reads any object with a name, a type and get(); prom-client's typings only name its own classes.
    registry.registerMetric(metric as unknown as Metric);
  }

  private requestValues(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const [service, tally] of this.tallies) {
      for (const [method, byStatus] of tally.requests) {
        for (const [status, n] of byStatus) values.push({ labels: { service, method, status }, value: n });
      }
    }
    return values;
  }

  private durationValues(): MetricValue[] {
    const name = 'berth_http_request_duration_seconds';
    const values: MetricValue[] = [];
    for (const [service, tally] of this.tallies) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += tally.buckets[i];
        values.push({ metricName: `${name}_bucket`, labels: { le, service }, value: cumulative });
      });
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', service }, value: tally.count });
      values.push({ metricName: `${name}_sum`, labels: { service }, value: tally.seconds });
      values.push({ metricName: `${name}_count`, labels: { service }, value: tally.count });
    }
    return values;
  }
}

export const httpMetrics = new HttpMetrics(metricsRegistry);
