/**
 * The trait a provider carries for each kind of instance its host can run. Placement only accepts
 * standard traits (os-traits) and `CUSTOM_*` ones, and there is no standard trait for "runs
 * containers", so berth's are custom.
 */
export function kindTrait(kind: string): string {
  return `CUSTOM_BERTH_KIND_${kind.toUpperCase()}`;
}
