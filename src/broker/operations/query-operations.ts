import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

export interface QueryMessageOutcome extends Outcome {
  records: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

/** Message look-ups: by CommitLog offset (offset message id) and by key through the IndexFile. */
export class QueryOperations {
  constructor(private readonly d: Pick<CoreDeps, 'store' | 'config'>) {}

  /** The stored record at a CommitLog offset. */
  viewMessage(offset: number): Outcome & { record?: Buffer } {
    const record = this.d.store.lookMessageByOffset(offset);
    if (!record)
      return fail(OperationStatus.SYSTEM_ERROR, `can not find message by the offset, ${offset}`);
    return { status: OperationStatus.SUCCESS, record };
  }

  /** Records of a topic with a key, stored within [begin, end], at most defaultQueryMaxNum. */
  queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
  ): QueryMessageOutcome {
    const r = this.d.store.queryMessage(
      topic,
      key,
      Math.min(maxNum, this.d.config.defaultQueryMaxNum),
      begin,
      end,
    );
    const found = r.messages.length > 0;
    return {
      status: found ? OperationStatus.SUCCESS : OperationStatus.QUERY_NOT_FOUND,
      ...(found ? {} : { remark: 'can not find message, maybe time range not correct' }),
      records: r.messages,
      indexLastUpdateTimestamp: r.indexLastUpdateTimestamp,
      indexLastUpdatePhyoffset: r.indexLastUpdatePhyoffset,
    };
  }
}
