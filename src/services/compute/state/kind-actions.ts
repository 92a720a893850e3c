import { BadRequestError, ConflictError } from '../../../common/errors/api-error';
import { InstanceKind } from '../../../contracts/agent/agent.types';

/**
 * What each kind of instance can be asked to do in this build: Nova's server actions by their
 * body key, and the container verbs by Zun's names. Servers show their kind's list
 * (`berth:actions`) so a dashboard offers only what works.
 */
export const KIND_ACTIONS: Record<InstanceKind, readonly string[]> = {
  container: [
    'os-start', 'os-stop', 'reboot', 'pause', 'unpause', 'lock', 'unlock', 'os-getConsoleOutput', 'createImage',
    'execute', 'logs', 'top', 'stats', 'kill', 'commit', 'rename', 'update',
  ],
  vm: ['os-start', 'os-stop', 'reboot', 'pause', 'unpause', 'lock', 'unlock', 'os-getConsoleOutput', 'createImage'],
};

/** Nova actions that have no meaning for a kind: a container has no BIOS, guest password or graphical console. */
const NOT_FOR_KIND: Record<InstanceKind, ReadonlyMap<string, string>> = {
  container: new Map([
    ['rescue', 'a container has no boot disk to rescue; exec into it or recreate it'],
    ['unrescue', 'a container is never in rescue mode'],
    ['changePassword', 'a container has no guest agent to set a password'],
    ['os-getVNCConsole', 'a container has no graphical console; use os-getConsoleOutput or the container API'],
    ['os-getSPICEConsole', 'a container has no graphical console; use os-getConsoleOutput or the container API'],
    ['os-getRDPConsole', 'a container has no graphical console; use os-getConsoleOutput or the container API'],
    ['os-getSerialConsole', 'a container has no serial port; use os-getConsoleOutput or the container API'],
    ['trigger_crash_dump', 'a container has no kernel of its own to dump'],
    ['suspend', 'a container\'s memory cannot be saved to disk here; stop or pause it'],
    ['resume', 'a container is never suspended'],
  ]),
  vm: new Map(),
};

/**
 * Refuses an action the instance's kind cannot do: 409 with the reason (the request is valid,
 * the instance is the wrong kind). Live migration of a container is a bad request instead, as
 * Nova's API answers an impossible live migration.
 */
export function checkActionForKind(kind: InstanceKind, action: string, instanceId: string): void {
  if (kind === 'container' && action === 'os-migrateLive') {
    throw new BadRequestError(`Instance ${instanceId} is a container: containers cannot be live-migrated; use cold migration (migrate).`);
  }
  const reason = NOT_FOR_KIND[kind].get(action);
  if (reason) throw new ConflictError(`Action ${action} is not supported for ${kind} instances (instance ${instanceId}): ${reason}.`);
}
