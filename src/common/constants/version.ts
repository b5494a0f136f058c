/** This release, as package.json says (a unit test keeps the two equal). */
export const PRODUCT_VERSION = '0.1.0';

/** The RocketMQ version we speak as, as its MQVersion ordinal (V5_3_3), announced on the wire. */
export const MQ_VERSION_ORDINAL = 479;

/**
 * RocketMQ's MQVersion.Version names in ordinal order: the 3.0.0 pre-releases, then every
 * `V<major>_<minor>_<patch>_SNAPSHOT`, `V<major>_<minor>_<patch>` pair up to V5_9_9. The ranges
 * of patches follow the releases RocketMQ listed (3.0.1-15, 3.1.x and 3.2.x from 0, 3.3-3.9 from 1).
 */
function mqVersionNames(): string[] {
  const names = ['V3_0_0_SNAPSHOT', 'V3_0_0_ALPHA1'];
  for (let b = 1; b <= 9; b++) {
    if (b >= 6) names.push(`V3_0_0_BETA${b}_SNAPSHOT`);
    names.push(`V3_0_0_BETA${b}`);
  }
  names.push('V3_0_0_FINAL');
  const release = (major: number, minor: number, from: number, to: number): void => {
    for (let p = from; p <= to; p++)
      names.push(`V${major}_${minor}_${p}_SNAPSHOT`, `V${major}_${minor}_${p}`);
  };
  release(3, 0, 1, 15);
  for (let minor = 1; minor <= 9; minor++) release(3, minor, minor <= 2 ? 0 : 1, 9);
  for (const major of [4, 5]) for (let minor = 0; minor <= 9; minor++) release(major, minor, 0, 9);
  return names;
}

const MQ_VERSION_NAMES: readonly string[] = Object.freeze(mqVersionNames());

/** A client's version ordinal as mqadmin prints it (MQVersion.getVersionDesc): "V5_3_3". */
export function mqVersionDesc(ordinal: number): string {
  const last = MQ_VERSION_NAMES.length - 1;
  return MQ_VERSION_NAMES[Math.max(0, Math.min(ordinal, last))] ?? '';
}
