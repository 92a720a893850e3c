import { AllocationRatios } from './placement/placement.service';

export const COMPUTE_SETTINGS = Symbol('COMPUTE_SETTINGS');

export interface ComputeSettings {
  allocationRatios: AllocationRatios;
  /** A host whose last heartbeat is older than this is down (Nova's service_down_time). */
  serviceDownSeconds: number;
  /** Build attempts on different hosts before ERROR (Nova's max_attempts). */
  maxBuildAttempts: number;
  /** `spread` puts new instances on the emptiest host; `pack` on the fullest that fits. */
  weigher: 'spread' | 'pack';
  /**
   * Nova's host_subset_size: the build tries the best few hosts in random order, so concurrent
   * builds do not all claim on (and queue behind) the single best host.
   */
  hostSubsetSize: number;
  /** A build still spawning after this long, or whose host went down, is rescheduled. */
  buildTimeoutSeconds: number;
  /** How often the build watchdog looks (it costs one query for stuck builds only). */
  watchdogIntervalMs: number;
}

export const DEFAULT_COMPUTE_SETTINGS: ComputeSettings = {
  allocationRatios: { cpu: 4, ram: 1, disk: 1 },
  serviceDownSeconds: 60,
  maxBuildAttempts: 3,
  weigher: 'spread',
  hostSubsetSize: 3,
  buildTimeoutSeconds: 600,
  watchdogIntervalMs: 5000,
};
