import { PowerState } from '../../../contracts/agent/agent.types';

/** Nova's vm_state values. */
export const VmState = {
  building: 'building', active: 'active', stopped: 'stopped', paused: 'paused', error: 'error', deleted: 'deleted',
} as const;

/** Nova's task_state values used so far. */
export const TaskState = {
  scheduling: 'scheduling', spawning: 'spawning', deleting: 'deleting', poweringOn: 'powering-on', poweringOff: 'powering-off',
  rebooting: 'rebooting', rebootingHard: 'rebooting_hard', pausing: 'pausing', unpausing: 'unpausing',
  imageSnapshot: 'image_snapshot',
} as const;

/** Nova's numeric power states. */
export const POWER_STATE_CODE: Record<PowerState, number> = { nostate: 0, running: 1, paused: 3, shutdown: 4, crashed: 6 };
export const POWER_STATE_NAME: Record<number, string> = { 0: 'NOSTATE', 1: 'RUNNING', 3: 'PAUSED', 4: 'SHUTDOWN', 6: 'CRASHED', 7: 'SUSPENDED' };

/** The `status` a Nova client sees, from vm_state and task_state (nova/api/openstack/common.py). */
export function serverStatus(vmState: string, taskState: string | null): string {
  switch (vmState) {
    case VmState.building: return 'BUILD';
    case VmState.active:
      if (taskState === TaskState.rebooting) return 'REBOOT';
      if (taskState === TaskState.rebootingHard) return 'HARD_REBOOT';
      return 'ACTIVE';
    case VmState.stopped: return 'SHUTOFF';
    case VmState.paused: return 'PAUSED';
    case VmState.error: return 'ERROR';
    case VmState.deleted: return 'DELETED';
    default: return 'UNKNOWN';
  }
}

/** Status filter values (`?status=`) back to vm_states. */
export const STATUS_TO_VM_STATE: Record<string, string> = {
  BUILD: VmState.building, ACTIVE: VmState.active, SHUTOFF: VmState.stopped, PAUSED: VmState.paused,
  ERROR: VmState.error, DELETED: VmState.deleted, REBOOT: VmState.active, HARD_REBOOT: VmState.active,
};
