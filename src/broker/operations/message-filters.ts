import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import { javaStringHash } from '../../common/message/java-hash.ts';
import { parseTagExpression } from '../../common/protocol-data/heartbeat-data.ts';
import type { MessageFilter } from '../../store/api.ts';
import { compileSql92, type Sql92Filter } from '../filter/sql92-filter.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

/** Subscriptions as store filters: tags by hash code, SQL92 on properties (compiled once, cached). */
export class MessageFilters {
  private readonly sqlCache = new Map<string, Sql92Filter | Outcome>();

  constructor(private readonly enablePropertyFilter: boolean) {}

  /** The store filter for a subscription, undefined for "everything", or the refusal. */
  filterFor(
    expression: string | undefined,
    type: string | undefined,
  ): MessageFilter | Outcome | undefined {
    if (type === 'SQL92') {
      const sql = this.sql92(expression);
      if (!('matches' in sql)) return sql;
      return {
        isMatchedByConsumeQueue: () => true,
        isMatchedByCommitLog: (record) => sql.matches(decodeRecord(record).properties),
      };
    }
    if (type !== undefined && type !== 'TAG') {
      return fail(
        OperationStatus.SUBSCRIPTION_PARSE_FAILED,
        `Unknown expression type "${type}": expected TAG or SQL92`,
      );
    }
    const tags = parseTagExpression(expression);
    const codes = tags ? new Set(tags.map((t) => javaStringHash(t))) : undefined;
    return codes ? { isMatchedByConsumeQueue: (code) => codes.has(code) } : undefined;
  }

  /** A compiled SQL92 expression, or the refusal: property filtering off, or a parse error. */
  sql92(expression: string | undefined): Sql92Filter | Outcome {
    if (!this.enablePropertyFilter) {
      return fail(
        OperationStatus.SYSTEM_ERROR,
        'The broker does not support consumer to filter message by SQL92 (enablePropertyFilter=false)',
      );
    }
    const text = expression ?? '';
    let compiled = this.sqlCache.get(text);
    if (!compiled) {
      try {
        compiled = compileSql92(text);
      } catch (err) {
        compiled = fail(
          OperationStatus.SUBSCRIPTION_PARSE_FAILED,
          `Cannot parse the SQL92 expression "${text}": ${(err as Error).message}`,
        );
      }
      if (this.sqlCache.size > 1000) this.sqlCache.clear();
      this.sqlCache.set(text, compiled);
    }
    return compiled;
  }
}
