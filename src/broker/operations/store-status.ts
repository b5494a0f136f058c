import { PutMessageStatus, GetMessageStatus } from '../../store/api.ts';
import { OperationStatus } from './outcome.ts';

/** The one place a store append status becomes an operation status. */
export function putStatusOf(status: PutMessageStatus): OperationStatus {
  switch (status) {
    case PutMessageStatus.PUT_OK:
      return OperationStatus.SUCCESS;
    case PutMessageStatus.FLUSH_DISK_TIMEOUT:
      return OperationStatus.FLUSH_DISK_TIMEOUT;
    case PutMessageStatus.FLUSH_SLAVE_TIMEOUT:
      return OperationStatus.FLUSH_SLAVE_TIMEOUT;
    case PutMessageStatus.SLAVE_NOT_AVAILABLE:
      return OperationStatus.SLAVE_NOT_AVAILABLE;
    case PutMessageStatus.MESSAGE_ILLEGAL:
    case PutMessageStatus.PROPERTIES_SIZE_EXCEEDED:
      return OperationStatus.MESSAGE_ILLEGAL;
    case PutMessageStatus.SERVICE_NOT_AVAILABLE:
      return OperationStatus.SERVICE_NOT_AVAILABLE;
    case PutMessageStatus.OS_PAGE_CACHE_BUSY:
      return OperationStatus.SYSTEM_BUSY;
    case PutMessageStatus.CREATE_MAPPED_FILE_FAILED:
    case PutMessageStatus.UNKNOWN_ERROR:
      return OperationStatus.SYSTEM_ERROR;
  }
}

/** The one place a store read status becomes a pull status (RocketMQ's PullMessageProcessor rules). */
export function pullStatusOf(status: GetMessageStatus, requestedOffset: number): OperationStatus {
  switch (status) {
    case GetMessageStatus.FOUND:
      return OperationStatus.SUCCESS;
    case GetMessageStatus.MESSAGE_WAS_REMOVING:
    case GetMessageStatus.NO_MATCHED_MESSAGE:
      return OperationStatus.PULL_RETRY_IMMEDIATELY;
    case GetMessageStatus.NO_MATCHED_LOGIC_QUEUE:
    case GetMessageStatus.NO_MESSAGE_IN_QUEUE:
      return requestedOffset !== 0
        ? OperationStatus.PULL_OFFSET_MOVED
        : OperationStatus.PULL_NOT_FOUND;
    case GetMessageStatus.OFFSET_FOUND_NULL:
    case GetMessageStatus.OFFSET_OVERFLOW_ONE:
      return OperationStatus.PULL_NOT_FOUND;
    case GetMessageStatus.OFFSET_OVERFLOW_BADLY:
    case GetMessageStatus.OFFSET_TOO_SMALL:
      return OperationStatus.PULL_OFFSET_MOVED;
  }
}
