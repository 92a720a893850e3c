import { Microversion } from '../../../../../common/http/microversion';
import { FlavorEntity } from '../../../entities/flavor.entity';
import { renderFlavor, renderFlavorBrief } from './flavor.view';

const mv = (v: string) => Microversion.parse(v)!;
const base = 'http://h/compute';

function makeFlavor(over: Partial<FlavorEntity> = {}): FlavorEntity {
  return Object.assign(new FlavorEntity(), {
    id: 'f1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true,
    disabled: false, description: 'tiny', extraSpecs: { 'hw:cpu_policy': 'shared' }, createdAt: new Date(), updatedAt: new Date(),
  }, over);
}

describe(renderFlavor.name, () => {
  it('renders the 2.1 body with Nova\'s keys and links', () => {
    expect(renderFlavor(makeFlavor(), base, mv('2.1'))).toEqual({
      id: 'f1', name: 'm1.tiny', ram: 512, disk: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': false, vcpus: 1,
      'os-flavor-access:is_public': true, rxtx_factor: 1,
      links: [{ rel: 'self', href: 'http://h/compute/v2.1/flavors/f1' }, { rel: 'bookmark', href: 'http://h/compute/flavors/f1' }],
    });
  });

  it('adds description at 2.55 and extra_specs at 2.61, and shows swap 0 from 2.75', () => {
    expect(renderFlavor(makeFlavor(), base, mv('2.54'))).not.toHaveProperty('description');
    expect(renderFlavor(makeFlavor(), base, mv('2.55'))).toMatchObject({ description: 'tiny' });
    expect(renderFlavor(makeFlavor(), base, mv('2.60'))).not.toHaveProperty('extra_specs');
    expect(renderFlavor(makeFlavor(), base, mv('2.61'))).toMatchObject({ extra_specs: { 'hw:cpu_policy': 'shared' } });
    expect(renderFlavor(makeFlavor(), base, mv('2.61'), { extraSpecs: false })).not.toHaveProperty('extra_specs');
    expect(renderFlavor(makeFlavor(), base, mv('2.74')).swap).toBe('');
    expect(renderFlavor(makeFlavor(), base, mv('2.75')).swap).toBe(0);
    expect(renderFlavor(makeFlavor({ swapMb: 128 }), base, mv('2.1')).swap).toBe(128);
  });

  it('escapes ids in links', () => {
    expect(renderFlavor(makeFlavor({ id: 'a b' }), base, mv('2.1')).links).toEqual([
      { rel: 'self', href: 'http://h/compute/v2.1/flavors/a%20b' }, { rel: 'bookmark', href: 'http://h/compute/flavors/a%20b' },
    ]);
  });
});

describe(renderFlavorBrief.name, () => {
  it('has id, name and links, plus description from 2.55', () => {
    expect(Object.keys(renderFlavorBrief(makeFlavor(), base, mv('2.1')))).toEqual(['id', 'name', 'links']);
    expect(renderFlavorBrief(makeFlavor(), base, mv('2.55'))).toMatchObject({ description: 'tiny' });
  });
});
