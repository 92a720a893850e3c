import { Module } from '@nestjs/common';
import { HostStateCache } from './host-state';

/** The scheduler's view of the hosts, one per process: the scheduler reads it, whoever changes hosts invalidates it. */
@Module({ providers: [HostStateCache], exports: [HostStateCache] })
export class HostStateModule {}
