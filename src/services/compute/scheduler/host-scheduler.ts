import { Inject, Injectable } from '@nestjs/common';
import { COMPUTE_SETTINGS, ComputeSettings } from '../compute.settings';
import { HostsService } from '../hosts/hosts.service';
import { ScheduleRequest, SelectionResult, selectHosts } from './host-selector';
import { HostState, HostStateCache } from './host-state';

export type PlacementOutcome = { host: HostState } | { host?: undefined; trail: SelectionResult['trail'] };

/** The best `size` candidates in random order, then, if none of them takes it, the rest best first (Nova's host_subset_size). */
function* subsetFirst(selection: SelectionResult, size: number): Generator<HostState> {
  const head = selection.best(size);
  for (let i = head.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [head[i], head[j]] = [head[j], head[i]];
  }
  yield* head;
  yield* selection.candidates.slice(head.length);
}

/**
 * One placement decision: filter and weigh the hosts of the shared view (HostStateCache), then
 * claim on the candidates in turn until one claim holds. The claim is the caller's (a database
 * transaction that fails when a racing claim took the room); this only chooses where to try.
 */
@Injectable()
export class HostScheduler {
  constructor(
    private readonly hostStates: HostStateCache,
    private readonly hosts: HostsService,
    @Inject(COMPUTE_SETTINGS) private readonly settings: ComputeSettings,
  ) {}

  /**
   * The host `claim` succeeded on (it returns false when it lost a race), or the filters' trail
   * when none took the request. First on the shared view; if no host takes it there, once more on
   * a fresh read (skipping hosts already tried), so "no valid host" is never the view's staleness.
   */
  async place(request: ScheduleRequest, claim: (host: HostState) => Promise<boolean>): Promise<PlacementOutcome> {
    const started = Date.now();
    const tried = new Set<string>();
    let trail: SelectionResult['trail'] = [];
    for (const notBefore of [undefined, started]) {
      const view = await this.hostStates.hosts(notBefore);
      const now = Date.now();
      const selection = selectHosts(view, request, (h) => !h.disabled && this.hosts.isUp(h, now), this.settings.weigher);
      trail = selection.trail;
      for (const candidate of subsetFirst(selection, this.settings.hostSubsetSize)) {
        if (tried.has(candidate.host)) continue;
        tried.add(candidate.host);
        this.hostStates.consume(candidate, request.resources);
        if (await claim(candidate)) return { host: candidate };
      }
    }
    return { trail };
  }
}
