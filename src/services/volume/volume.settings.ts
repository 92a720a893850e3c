export const VOLUME_SETTINGS = Symbol('VOLUME_SETTINGS');

export interface VolumeSettings {
  /** Cinder's storage_availability_zone: the zone every volume is in. */
  availabilityZone: string;
  /** Cinder's max_over_subscription_ratio: provisioned GB may reach this many times the pool's size. */
  oversubscriptionRatio: number;
  /** Cinder's message_ttl: how long a user message is kept. */
  messageTtlSeconds: number;
}

export const DEFAULT_VOLUME_SETTINGS: VolumeSettings = { availabilityZone: 'nova', oversubscriptionRatio: 20, messageTtlSeconds: 30 * 24 * 3600 };

/** The type volumes get when none is asked for (Cinder's default_volume_type). */
export const DEFAULT_TYPE_NAME = '__DEFAULT__';
