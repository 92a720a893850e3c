/** Cinder's volume statuses (fields.VolumeStatus.ALL), which os-reset_status accepts. */
export const VOLUME_STATUSES = [
  'creating', 'available', 'deleting', 'error', 'error_deleting', 'error_managing', 'managing', 'attaching', 'in-use', 'detaching',
  'maintenance', 'restoring-backup', 'error_restoring', 'reserved', 'awaiting-transfer', 'backing-up', 'error_backing-up',
  'error_extending', 'downloading', 'uploading', 'retyping', 'extending',
] as const;

/** Cinder's snapshot statuses (fields.SnapshotStatus.ALL). */
export const SNAPSHOT_STATUSES = [
  'error', 'available', 'creating', 'deleting', 'deleted', 'updating', 'error_deleting', 'unmanaging', 'backing-up', 'restoring',
] as const;

/** Statuses a volume may be deleted from without `force` (Cinder's volume API). */
export const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];

/** The user messages Cinder records for failed asynchronous work: `<action>:<detail>`, event `VOLUME_<resource>_<action>_<detail>`. */
export const USER_MESSAGES = {
  noValidBackend: { resource: 'VOLUME', action: ['001', 'schedule allocate volume'], detail: ['003', 'Could not find any available weighted backend.'] },
  createFailed: { resource: 'VOLUME', action: ['008', 'create volume from backend storage'], detail: ['012', 'Driver failed to create the volume.'] },
  extendNoBackend: { resource: 'VOLUME', action: ['007', 'extend volume'], detail: ['003', 'Could not find any available weighted backend.'] },
  extendFailed: { resource: 'VOLUME', action: ['007', 'extend volume'], detail: ['010', 'Volume Driver failed to extend volume.'] },
  snapshotFailed: { resource: 'VOLUME_SNAPSHOT', action: ['009', 'create snapshot'], detail: ['013', 'Snapshot failed to create.'] },
  snapshotDeleteFailed: { resource: 'VOLUME_SNAPSHOT', action: ['010', 'delete snapshot'], detail: ['016', 'Snapshot failed to delete.'] },
} as const;

export type UserMessage = (typeof USER_MESSAGES)[keyof typeof USER_MESSAGES];
