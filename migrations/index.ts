import { IdentityInit1795450000000 } from './1795450000000-IdentityInit';
import { ImageInit1795460000000 } from './1795460000000-ImageInit';
import { ComputeInit1795470000000 } from './1795470000000-ComputeInit';
import { ComputeAggregates1795480000000 } from './1795480000000-ComputeAggregates';
import { NetworkInit1795490000000 } from './1795490000000-NetworkInit';
import { ComputeNetworkCache1795500000000 } from './1795500000000-ComputeNetworkCache';
import { VolumeInit1795510000000 } from './1795510000000-VolumeInit';

/** Every migration, in order. Listed explicitly so the compiled app needs no globs. */
export const ALL_MIGRATIONS = [IdentityInit1795450000000, ImageInit1795460000000, ComputeInit1795470000000, ComputeAggregates1795480000000, NetworkInit1795490000000, ComputeNetworkCache1795500000000, VolumeInit1795510000000];
