/**
 * The timing wheel (RocketMQ's TimerWheel), in memory: `slots` slots of `precisionMs` each. A slot
 * holds one slot time at a time, the timer-log position of its newest record and its record count;
 * the records themselves link back through the timer log. The wheel is derived state: recovery
 * rebuilds it by scanning the timer log, so it is never written to disk.
 */
export class TimerWheel {
  readonly precisionMs: number;
  readonly slots: number;
  private readonly slotTime: Float64Array;
  private readonly lastPos: Float64Array;
  private readonly count: Int32Array;
  private total = 0;

  constructor(slots: number, precisionMs: number) {
    this.slots = slots;
    this.precisionMs = precisionMs;
    this.slotTime = new Float64Array(slots);
    this.lastPos = new Float64Array(slots).fill(-1);
    this.count = new Int32Array(slots);
  }

  /** Milliseconds the wheel spans. */
  get windowMs(): number {
    return this.slots * this.precisionMs;
  }

  /** Records in the wheel (rolled records count once per roll pending). */
  get size(): number {
    return this.total;
  }

  /** The first slot boundary at or after `ms`. */
  ceil(ms: number): number {
    return Math.ceil(ms / this.precisionMs) * this.precisionMs;
  }

  private index(slotTimeMs: number): number {
    return Math.floor(slotTimeMs / this.precisionMs) % this.slots;
  }

  /** Position of the newest record of the slot for `slotTimeMs`, or -1 when the slot is empty. */
  last(slotTimeMs: number): number {
    const i = this.index(slotTimeMs);
    return this.slotTime[i] === slotTimeMs ? (this.lastPos[i] as number) : -1;
  }

  countAt(slotTimeMs: number): number {
    const i = this.index(slotTimeMs);
    return this.slotTime[i] === slotTimeMs ? (this.count[i] as number) : 0;
  }

  /** Links the record at `pos` into its slot; returns the previous newest position (-1 if none). */
  link(slotTimeMs: number, pos: number): number {
    const i = this.index(slotTimeMs);
    let prev = -1;
    if (this.slotTime[i] === slotTimeMs) prev = this.lastPos[i] as number;
    else {
      this.total -= this.count[i] as number;
      this.slotTime[i] = slotTimeMs;
      this.count[i] = 0;
    }
    this.lastPos[i] = pos;
    this.count[i] = (this.count[i] as number) + 1;
    this.total++;
    return prev;
  }

  /** Empties the slot once its records are delivered. */
  clear(slotTimeMs: number): void {
    const i = this.index(slotTimeMs);
    if (this.slotTime[i] !== slotTimeMs) return;
    this.total -= this.count[i] as number;
    this.slotTime[i] = 0;
    this.lastPos[i] = -1;
    this.count[i] = 0;
  }
}
