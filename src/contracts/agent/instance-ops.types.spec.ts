import { DEFAULT_KILL_SIGNAL, signalNamed } from './instance-ops.types';

describe(signalNamed.name, () => {
  it.each([
    ['SIGTERM', 'SIGTERM'], ['TERM', 'SIGTERM'], ['sigterm', 'SIGTERM'], ['term', 'SIGTERM'], ['15', 'SIGTERM'],
    ['9', 'SIGKILL'], ['SIGHUP', 'SIGHUP'], ['rtmin', 'SIGRTMIN'], ['64', 'SIGRTMAX'], ['None', DEFAULT_KILL_SIGNAL],
  ])('reads %s as Zun does: %s', (given, expected) => {
    expect(signalNamed(given)).toBe(expected);
  });

  it.each(['SigTerm', 'SIGBOGUS', '0', '32', '65', '', 'SIG', '-9', '9.0', 'KILL '])('refuses %j', (given) => {
    expect(signalNamed(given)).toBeUndefined();
  });
});
