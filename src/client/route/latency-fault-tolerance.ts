/**
 * Avoids brokers that failed or answered slowly (RocketMQ's sendLatencyFaultEnable): after a
 * send, a broker whose latency passed a step is skipped for the matching pause.
 */
const LATENCY_STEPS_MS = [50, 100, 550, 1000, 2000, 3000, 15000];
const PAUSE_MS = [0, 0, 30000, 60000, 120000, 180000, 600000];

export class LatencyFaultTolerance {
  private readonly unavailableUntil = new Map<string, number>();

  /** Records a send's outcome; `isolation` marks a failure (paused as the slowest step). */
  update(brokerName: string, latencyMs: number, isolation: boolean): void {
    const latency = isolation ? 30000 : latencyMs;
    let pause = 0;
    for (let i = LATENCY_STEPS_MS.length - 1; i >= 0; i--) {
      if (latency >= (LATENCY_STEPS_MS[i] ?? Infinity)) {
        pause = PAUSE_MS[i] ?? 0;
        break;
      }
    }
    if (pause > 0) this.unavailableUntil.set(brokerName, Date.now() + pause);
    else this.unavailableUntil.delete(brokerName);
  }

  isAvailable(brokerName: string, now = Date.now()): boolean {
    return (this.unavailableUntil.get(brokerName) ?? 0) <= now;
  }
}
