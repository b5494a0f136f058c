import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  decodeRecord,
  recordLayout,
  RecordOffset,
} from '../../common/message/message-ext-codec.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { encodeProperties } from '../../common/message/message-properties.ts';
import { tagsHashCode } from '../../common/message/java-hash.ts';
import { dlqTopic } from '../../common/constants/topic-validator.ts';
import { PutMessageStatus, type MessageFilter, type QueueStore } from '../../store/api.ts';
import { readJsonFile, writeJsonFile } from '../managers/json-file.ts';
import type { ConsumerOffsetManager } from '../managers/consumer-offset-manager.ts';
import { restoreForAppend } from '../stored-message.ts';

/** RocketMQ's revive queue id for orderly (FIFO) pops, as carried in receipt handles. */
export const POP_ORDER_REVIVE_QUEUE = 999;
const SNAPSHOT_INTERVAL_MS = 5000;
/** Offsets one FIFO pop examines past the acknowledged watermark. */
const FIFO_SCAN_LIMIT = 2000;
/** Most messages in flight per queue and group; a queue at the limit hands out only redeliveries. */
const MAX_IN_FLIGHT_PER_QUEUE = 20000;
/** A message the DLQ refused is tried again after this long. */
const DLQ_RETRY_MS = 1000;

/** One delivery of a message to the group: the handle (popTime) and when it becomes visible again. */
interface Lease {
  popTime: number;
  visibleAt: number;
  /** Reconsume count of this delivery (0 for the first). */
  attempt: number;
}

/** What a group has consumed of one queue. */
class QueuePopState {
  /** Every offset below is acknowledged (the group's committed offset). */
  committed: number;
  /** One past the highest offset ever handed out. */
  popOffset: number;
  readonly acked = new Set<number>();
  readonly leases = new Map<number, Lease>();

  constructor(committed: number) {
    this.committed = committed;
    this.popOffset = committed;
  }

  /** Moves the watermark over acknowledged offsets; true when it moved. */
  compact(): boolean {
    const before = this.committed;
    while (this.acked.has(this.committed)) {
      this.acked.delete(this.committed);
      this.committed++;
    }
    if (this.popOffset < this.committed) this.popOffset = this.committed;
    return this.committed !== before;
  }
}

/** One message handed out by a pop, as the protocol adapters need it. */
export interface PoppedMessage {
  queueId: number;
  queueOffset: number;
  /** The stored record (a copy with RECONSUMETIMES set when this is a redelivery). */
  record: Buffer;
  attempt: number;
}

export interface PopRequest {
  group: string;
  topic: string;
  /** -1 for every readable queue, in turn. */
  queueId: number;
  readQueueNums: number;
  maxMsgNums: number;
  invisibleTime: number;
  /** 0 = from the first offset (ConsumeInitMode.MIN), 1 = from the last (MAX), for a group new to a queue. */
  initMode: number;
  order: boolean;
  filter: MessageFilter | undefined;
  maxReconsumeTimes: number;
}

export interface PopResult {
  popTime: number;
  messages: PoppedMessage[];
  /** Per queue: the first offset handed out by this pop (the receipt handle's ck offset). */
  startOffsets: Map<number, number>;
  /** Messages still waiting in the queues examined (approximate). */
  restNum: number;
}

export type AckResult = 'OK' | 'ALREADY_ACKED' | 'STALE_HANDLE' | 'DLQ_FAILED';

interface PopServiceDeps {
  store: QueueStore;
  offsets: ConsumerOffsetManager;
  storeRoot: string;
  /** System topic of checkpoint and ack records (rmq_sys_REVIVE_LOG_<cluster>). */
  reviveTopic: string;
  storeHost: () => Uint8Array;
  /** Makes sure %DLQ%group exists as a topic (created on first use, announced to name servers). */
  ensureTopic: (topic: string) => void;
  logger: Logger;
}

interface ReviveRecord {
  /** ck: handed out (or invisible time changed); ack: acknowledged. */
  k: 'ck' | 'ack';
  g: string;
  t: string;
  q: number;
  pt: number;
  it?: number;
  o: number[];
  a?: number[];
  /** ck: offsets the filter passed over, consumed by the group without delivery. */
  s?: number[];
}

interface Snapshot {
  reviveOffset: number;
  queues: {
    g: string;
    t: string;
    q: number;
    committed: number;
    popOffset: number;
    acked: number[];
    leases: [number, number, number, number][];
  }[];
}

interface Waiter {
  topic: string;
  group: string;
  wake: () => void;
}

/**
 * POP consumption (RocketMQ 5's message-level load balancing), on the broker. A pop hands out
 * messages of a queue to one consumer and makes them invisible to the rest of the group until
 * acknowledged or until their invisible time ends; then the next pop hands them out again, in
 * place, with the reconsume count raised, and past the group's maximum they go to %DLQ%group.
 * FIFO pops hand out a message group's messages in order and hold the group (not the queue)
 * while any of them is in flight.
 *
 * Durability: every pop, change of invisible time and ack is written as a small record to the
 * revive topic (in the CommitLog) before it is answered; a snapshot of the whole state, with
 * the revive offset it covers, is written every 5 s and at shutdown. A restart loads the snapshot
 * and replays the revive records after it, so nothing is lost and nothing acknowledged comes again.
 */
export class PopService {
  private readonly d: PopServiceDeps;
  private readonly states = new Map<string, QueuePopState>();
  private readonly snapshotPath: string;
  private reviveAppended = 0;
  private lastPopTime = 0;
  private dirty = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly rotation = new Map<string, number>();

  constructor(deps: PopServiceDeps) {
    this.d = deps;
    this.snapshotPath = join(deps.storeRoot, 'config', 'popState.json');
  }

  private static key(group: string, topic: string, queueId: number): string {
    return `${group}@${topic}@${queueId}`;
  }

  /** Loads the snapshot and replays the revive records written after it. */
  start(): void {
    const snap = readJsonFile<Snapshot>(this.snapshotPath);
    let from = 0;
    if (snap) {
      from = snap.reviveOffset;
      for (const s of snap.queues) {
        const st = new QueuePopState(s.committed);
        st.popOffset = s.popOffset;
        for (const o of s.acked) st.acked.add(o);
        for (const [o, popTime, visibleAt, attempt] of s.leases)
          st.leases.set(o, { popTime, visibleAt, attempt });
        this.states.set(PopService.key(s.g, s.t, s.q), st);
      }
    }
    const max = this.d.store.getMaxOffsetInQueue(this.d.reviveTopic, 0);
    let offset = Math.max(from, this.d.store.getMinOffsetInQueue(this.d.reviveTopic, 0));
    let replayed = 0;
    while (offset < max) {
      const got = this.d.store.getMessage({
        topic: this.d.reviveTopic,
        queueId: 0,
        offset,
        maxMsgNums: 256,
      });
      for (const record of got.messages) {
        try {
          this.apply(JSON.parse(decodeRecord(record).body.toString('utf8')) as ReviveRecord);
          replayed++;
        } catch (err) {
          this.d.logger.warn({ err }, 'Unreadable revive record skipped');
        }
      }
      if (got.nextBeginOffset <= offset) break;
      offset = got.nextBeginOffset;
    }
    this.reviveAppended = max;
    for (const [key, st] of this.states) this.commitOffset(key, st);
    this.d.logger.info(
      { queues: this.states.size, replayed, reviveOffset: max },
      'POP state recovered',
    );
    this.timer = setInterval(() => {
      if (this.dirty) this.snapshot();
    }, SNAPSHOT_INTERVAL_MS);
  }

  /** Answers every waiting pop now (shutdown). */
  releaseWaiters(): void {
    this.stopping = true;
    for (const w of [...this.waiters]) w.wake();
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.releaseWaiters();
    this.snapshot();
  }

  private snapshot(): void {
    const queues: Snapshot['queues'] = [];
    for (const [key, st] of this.states) {
      const [g, t, q] = splitKey(key);
      queues.push({
        g,
        t,
        q,
        committed: st.committed,
        popOffset: st.popOffset,
        acked: [...st.acked],
        leases: [...st.leases].map(([o, l]) => [o, l.popTime, l.visibleAt, l.attempt]),
      });
    }
    writeJsonFile(this.snapshotPath, { reviveOffset: this.reviveAppended, queues });
    this.dirty = false;
  }

  /** A strictly increasing pop time: it is the receipt handle's identity. */
  private nextPopTime(): number {
    this.lastPopTime = Math.max(Date.now(), this.lastPopTime + 1);
    return this.lastPopTime;
  }

  private state(group: string, topic: string, queueId: number, initMode: number): QueuePopState {
    const key = PopService.key(group, topic, queueId);
    // An admin reset (resetOffsetByTime) starts the group over at the new offset: leases go too.
    const reset = this.d.offsets.takeResetOffset(group, topic, queueId);
    if (reset !== undefined) {
      const fresh = new QueuePopState(reset);
      this.states.set(key, fresh);
      this.dirty = true;
      return fresh;
    }
    let st = this.states.get(key);
    if (!st) {
      const committed = this.d.offsets.query(group, topic, queueId);
      const start =
        committed >= 0
          ? committed
          : initMode === 0
            ? this.d.store.getMinOffsetInQueue(topic, queueId)
            : this.d.store.getMaxOffsetInQueue(topic, queueId);
      st = new QueuePopState(start);
      this.states.set(key, st);
      this.d.offsets.commit(group, topic, queueId, start);
    }
    return st;
  }

  private commitOffset(key: string, st: QueuePopState): void {
    const [g, t, q] = splitKey(key);
    this.d.offsets.commit(g, t, q, st.committed);
  }

  /** Applies one revive record to the state (live, and when replaying after a restart). */
  private apply(r: ReviveRecord): void {
    const key = PopService.key(r.g, r.t, r.q);
    let st = this.states.get(key);
    if (!st) {
      const committed = this.d.offsets.query(r.g, r.t, r.q);
      st = new QueuePopState(committed >= 0 ? committed : Math.min(...r.o));
      this.states.set(key, st);
    }
    if (r.k === 'ck') {
      for (const o of r.s ?? []) {
        if (o >= st.committed && !st.leases.has(o)) st.acked.add(o);
        if (o >= st.popOffset) st.popOffset = o + 1;
      }
      r.o.forEach((o, i) => {
        if (o < st.committed || st.acked.has(o)) return;
        st.leases.set(o, { popTime: r.pt, visibleAt: r.pt + (r.it ?? 0), attempt: r.a?.[i] ?? 0 });
        if (o >= st.popOffset) st.popOffset = o + 1;
      });
    } else {
      for (const o of r.o) {
        const lease = st.leases.get(o);
        if (lease && lease.popTime !== r.pt) continue;
        st.leases.delete(o);
        if (o >= st.committed) st.acked.add(o);
        if (o >= st.popOffset) st.popOffset = o + 1;
      }
    }
    if (st.compact()) this.commitOffset(key, st);
    this.dirty = true;
  }

  /** Applies a record now and writes it to the revive topic; resolves once it is stored. */
  private async record(r: ReviveRecord): Promise<boolean> {
    this.apply(r);
    this.reviveAppended++;
    const body = Buffer.from(JSON.stringify(r));
    const storeHost = this.d.storeHost();
    const result = await this.d.store.putMessage({
      topic: this.d.reviveTopic,
      queueId: 0,
      flag: 0,
      body,
      propertiesString: encodeProperties(new Map([[MessageConst.PROPERTY_TAGS, r.k]])),
      tagsCode: tagsHashCode(r.k),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: storeHost,
      storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      keys: undefined,
      uniqKey: undefined,
    });
    const ok =
      result.status === PutMessageStatus.PUT_OK ||
      result.status === PutMessageStatus.FLUSH_DISK_TIMEOUT;
    if (!ok) {
      this.reviveAppended--;
      this.d.logger.warn({ status: result.status }, 'Revive record not stored');
    }
    return ok;
  }

  /** Hands out up to maxMsgNums messages; empty when nothing is visible (the caller may wait). */
  async pop(req: PopRequest): Promise<PopResult> {
    const popTime = this.nextPopTime();
    const result: PopResult = { popTime, messages: [], startOffsets: new Map(), restNum: 0 };
    const queues =
      req.queueId >= 0
        ? [req.queueId]
        : this.rotate(`${req.group}@${req.topic}`, req.readQueueNums);
    const writes: Promise<boolean>[] = [];
    for (const queueId of queues) {
      const room = req.maxMsgNums - result.messages.length;
      if (room <= 0) break;
      const st = this.state(req.group, req.topic, queueId, req.initMode);
      const skipped: number[] = [];
      const taken = req.order
        ? await this.takeInOrder(req, queueId, st, room, skipped)
        : await this.takeAny(req, queueId, st, room, skipped);
      result.restNum += Math.max(
        0,
        this.d.store.getMaxOffsetInQueue(req.topic, queueId) - st.popOffset,
      );
      if (taken.length === 0 && skipped.length === 0) continue;
      if (taken.length > 0) result.startOffsets.set(queueId, taken[0]?.queueOffset ?? 0);
      result.messages.push(...taken);
      writes.push(
        this.record({
          k: 'ck',
          g: req.group,
          t: req.topic,
          q: queueId,
          pt: popTime,
          it: req.invisibleTime,
          o: taken.map((m) => m.queueOffset),
          a: taken.map((m) => m.attempt),
          ...(skipped.length > 0 ? { s: skipped } : {}),
        }),
      );
    }
    await Promise.all(writes);
    return result;
  }

  private rotate(key: string, queueNums: number): number[] {
    const start = this.rotation.get(key) ?? 0;
    this.rotation.set(key, (start + 1) % Math.max(1, queueNums));
    return Array.from({ length: queueNums }, (_v, i) => (start + i) % queueNums);
  }

  /** Redeliveries first (lowest offset first), then new messages from the pop offset. */
  private async takeAny(
    req: PopRequest,
    queueId: number,
    st: QueuePopState,
    room: number,
    skipped: number[],
  ): Promise<PoppedMessage[]> {
    const now = Date.now();
    const out: PoppedMessage[] = [];
    const due = [...st.leases].filter(([, l]) => l.visibleAt <= now).map(([o]) => o);
    due.sort((a, b) => a - b);
    for (const offset of due) {
      if (out.length >= room) return out;
      const m = await this.redeliver(req, queueId, st, offset);
      if (m) out.push(m);
    }
    if (out.length >= room || st.leases.size >= MAX_IN_FLIGHT_PER_QUEUE) return out;
    const from = Math.max(st.popOffset, this.d.store.getMinOffsetInQueue(req.topic, queueId));
    const got = this.d.store.getMessage({
      topic: req.topic,
      queueId,
      offset: from,
      maxMsgNums: room - out.length,
      ...(req.filter ? { filter: req.filter } : {}),
    });
    const picked = new Set(got.queueOffsets);
    const end = Math.max(from, got.nextBeginOffset);
    // Offsets the filter passed over count as consumed by this group.
    for (let o = from; o < end; o++) {
      if (picked.has(o)) continue;
      st.acked.add(o);
      skipped.push(o);
    }
    got.messages.forEach((record, i) => {
      const offset = got.queueOffsets[i] as number;
      // Held until the pop's checkpoint record gives it its handle and invisible time.
      st.leases.set(offset, { popTime: 0, visibleAt: now + req.invisibleTime, attempt: 0 });
      out.push({ queueId, queueOffset: offset, record, attempt: 0 });
    });
    if (end > st.popOffset) st.popOffset = end;
    st.compact();
    return out;
  }

  /**
   * FIFO: walks the queue from the watermark in order; a message goes out only when no earlier
   * message of its group is in flight (messages without a group are not held by others).
   */
  private async takeInOrder(
    req: PopRequest,
    queueId: number,
    st: QueuePopState,
    room: number,
    skipped: number[],
  ): Promise<PoppedMessage[]> {
    const now = Date.now();
    const out: PoppedMessage[] = [];
    const held = new Set<string>();
    let offset = Math.max(st.committed, this.d.store.getMinOffsetInQueue(req.topic, queueId));
    const limit = offset + FIFO_SCAN_LIMIT;
    while (out.length < room && offset < limit) {
      const got = this.d.store.getMessage({ topic: req.topic, queueId, offset, maxMsgNums: 64 });
      if (got.messages.length === 0) break;
      for (let i = 0; i < got.messages.length && out.length < room; i++) {
        const o = got.queueOffsets[i] as number;
        const record = got.messages[i] as Buffer;
        if (st.acked.has(o)) continue;
        const group = messageGroupOf(record) ?? `#${o}`;
        const lease = st.leases.get(o);
        if (lease && lease.visibleAt > now) {
          held.add(group);
          continue;
        }
        if (held.has(group)) continue;
        if (!lease && req.filter && !matches(req.filter, record)) {
          st.acked.add(o);
          skipped.push(o);
          continue;
        }
        if (lease) {
          const m = await this.redeliver(req, queueId, st, o, record);
          if (m) out.push(m);
          else continue;
        } else {
          st.leases.set(o, { popTime: 0, visibleAt: now + req.invisibleTime, attempt: 0 });
          out.push({ queueId, queueOffset: o, record, attempt: 0 });
          if (o >= st.popOffset) st.popOffset = o + 1;
        }
      }
      offset = got.nextBeginOffset;
    }
    st.compact();
    return out;
  }

  /** Hands a message out again with its count raised, or moves it to the DLQ past the maximum. */
  private async redeliver(
    req: PopRequest,
    queueId: number,
    st: QueuePopState,
    offset: number,
    known?: Buffer,
  ): Promise<PoppedMessage | undefined> {
    const lease = st.leases.get(offset);
    if (!lease) return undefined;
    let record = known;
    if (!record) {
      const got = this.d.store.getMessage({ topic: req.topic, queueId, offset, maxMsgNums: 1 });
      if (got.queueOffsets[0] === offset) record = got.messages[0];
    }
    const attempt = lease.attempt + 1;
    // Nobody else takes it while this pop works on it (the checkpoint record sets the real time).
    lease.visibleAt = Date.now() + req.invisibleTime;
    if (!record || attempt > req.maxReconsumeTimes) {
      // Gone from the store, or out of retries: acknowledged for the group once it is in the DLQ.
      if (record && !(await this.toDlq(req.group, record, attempt))) {
        lease.visibleAt = Date.now() + DLQ_RETRY_MS; // try the DLQ again later; never drop it
        return undefined;
      }
      await this.record({
        k: 'ack',
        g: req.group,
        t: req.topic,
        q: queueId,
        pt: lease.popTime,
        o: [offset],
      });
      return undefined;
    }
    const copy = Buffer.from(record);
    copy.writeInt32BE(attempt, reconsumeTimesAt(copy));
    return { queueId, queueOffset: offset, record: copy, attempt };
  }

  /** Stores the message in %DLQ%group; false when the store refused it. */
  private async toDlq(group: string, record: Buffer, attempt: number): Promise<boolean> {
    const msg = decodeRecord(record);
    const props = new Map(msg.properties);
    props.set(MessageConst.PROPERTY_RETRY_TOPIC, msg.topic);
    this.d.ensureTopic(dlqTopic(group));
    const originId = props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
    if (originId) props.set(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID, originId);
    const put = await this.d.store.putMessage(
      restoreForAppend(
        record,
        msg,
        props,
        this.d.storeHost(),
        { topic: dlqTopic(group), queueId: 0 },
        { reconsumeTimes: attempt },
      ),
    );
    const stored =
      put.status === PutMessageStatus.PUT_OK || put.status === PutMessageStatus.FLUSH_DISK_TIMEOUT;
    this.d.logger[stored ? 'info' : 'warn'](
      { group, topic: msg.topic, offset: msg.queueOffset, status: put.status, remark: put.remark },
      stored ? 'POP message moved to the DLQ' : 'POP message could not be stored in the DLQ; kept',
    );
    return stored;
  }

  async ack(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offsets: number[],
  ): Promise<AckResult> {
    const st = this.states.get(PopService.key(group, topic, queueId));
    if (!st) return 'ALREADY_ACKED';
    const live = offsets.filter((o) => st.leases.get(o)?.popTime === popTime);
    if (live.length === 0) {
      return offsets.some((o) => st.leases.has(o)) ? 'STALE_HANDLE' : 'ALREADY_ACKED';
    }
    const stale = offsets.some((o) => st.leases.has(o) && !live.includes(o));
    await this.record({ k: 'ack', g: group, t: topic, q: queueId, pt: popTime, o: live });
    return stale ? 'STALE_HANDLE' : 'OK';
  }

  /** The lease a receipt handle (its popTime) still holds, or why it holds none. */
  private heldLease(
    group: string,
    topic: string,
    queueId: number,
    offset: number,
    popTime: number,
  ): Lease | 'ALREADY_ACKED' | 'STALE_HANDLE' {
    const lease = this.states.get(PopService.key(group, topic, queueId))?.leases.get(offset);
    if (!lease) return 'ALREADY_ACKED';
    return lease.popTime === popTime ? lease : 'STALE_HANDLE';
  }

  /** Moves an in-flight message to %DLQ%group and acknowledges it (the 5.x FIFO clients ask this). */
  async forwardToDeadLetterQueue(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offset: number,
  ): Promise<AckResult> {
    const lease = this.heldLease(group, topic, queueId, offset, popTime);
    if (typeof lease === 'string') return lease;
    const got = this.d.store.getMessage({ topic, queueId, offset, maxMsgNums: 1 });
    const record = got.queueOffsets[0] === offset ? got.messages[0] : undefined;
    if (record && !(await this.toDlq(group, record, lease.attempt + 1))) return 'DLQ_FAILED';
    await this.record({ k: 'ack', g: group, t: topic, q: queueId, pt: popTime, o: [offset] });
    return 'OK';
  }

  /** A new handle for an in-flight message, visible again after `invisibleTime` from now. */
  async changeInvisibleTime(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offset: number,
    invisibleTime: number,
  ): Promise<{ popTime: number } | AckResult> {
    const lease = this.heldLease(group, topic, queueId, offset, popTime);
    if (typeof lease === 'string') return lease;
    const next = this.nextPopTime();
    await this.record({
      k: 'ck',
      g: group,
      t: topic,
      q: queueId,
      pt: next,
      it: invisibleTime,
      o: [offset],
      a: [lease.attempt],
    });
    this.wakeAt(group, topic, next + invisibleTime);
    return { popTime: next };
  }

  /** Pops waiting on this group and topic look again when a message becomes visible at `at`. */
  private wakeAt(group: string, topic: string, at: number): void {
    const fire = (): void => {
      for (const w of [...this.waiters]) if (w.group === group && w.topic === topic) w.wake();
    };
    const delay = at - Date.now();
    if (delay <= 0) fire();
    else setTimeout(fire, delay).unref();
  }

  /** Waits until a message may be visible for this group and topic, or `timeoutMs` passes. */
  waitForMessages(
    group: string,
    topic: string,
    timeoutMs: number,
    cancel?: (abort: () => void) => (() => void) | void,
  ): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      let unregister: (() => void) | void = undefined;
      const w: Waiter = {
        topic,
        group,
        wake: () => {
          for (const t of timers) clearTimeout(t);
          this.waiters.delete(w);
          if (unregister) unregister();
          resolve();
        },
      };
      this.waiters.add(w);
      timers.push(setTimeout(w.wake, timeoutMs));
      const next = this.nextVisibleAt(group, topic);
      if (next !== undefined && next - Date.now() < timeoutMs)
        timers.push(setTimeout(w.wake, Math.max(0, next - Date.now())));
      unregister = cancel?.(w.wake);
    });
  }

  /** Pops of this group and topic held now, waiting for a message (long polling). */
  heldCount(group: string, topic: string): number {
    let n = 0;
    for (const w of this.waiters) if (w.group === group && w.topic === topic) n++;
    return n;
  }

  /** A message arrived on a topic: wakes the pops waiting on it. */
  notifyMessageArriving(topic: string): void {
    for (const w of [...this.waiters]) if (w.topic === topic) w.wake();
  }

  private nextVisibleAt(group: string, topic: string): number | undefined {
    let next: number | undefined;
    const prefix = `${group}@${topic}@`;
    for (const [key, st] of this.states) {
      if (!key.startsWith(prefix)) continue;
      for (const l of st.leases.values())
        if (l.visibleAt !== Infinity && (next === undefined || l.visibleAt < next))
          next = l.visibleAt;
    }
    return next;
  }
}

function splitKey(key: string): [string, string, number] {
  const last = key.lastIndexOf('@');
  const mid = key.lastIndexOf('@', last - 1);
  return [key.slice(0, mid), key.slice(mid + 1, last), Number(key.slice(last + 1))];
}

/** The message group (FIFO key) of a stored record: __SHARDINGKEY. */
function messageGroupOf(record: Buffer): string | undefined {
  return decodeRecord(record).properties.get(MessageConst.PROPERTY_SHARDING_KEY);
}

function matches(filter: MessageFilter, record: Buffer): boolean {
  const m = decodeRecord(record);
  if (!filter.isMatchedByConsumeQueue(tagsHashCode(m.properties.get(MessageConst.PROPERTY_TAGS))))
    return false;
  return !filter.isMatchedByCommitLog || filter.isMatchedByCommitLog(record);
}

function reconsumeTimesAt(record: Buffer): number {
  return recordLayout(record.readInt32BE(RecordOffset.SYSFLAG)).reconsumeTimes;
}
