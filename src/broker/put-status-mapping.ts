import { PutMessageStatus, GetMessageStatus } from '../store/api.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';

/** The one place a store append status becomes a response code. */
export function putStatusToResponseCode(status: PutMessageStatus): number {
  switch (status) {
    case PutMessageStatus.PUT_OK:
      return ResponseCode.SUCCESS;
    case PutMessageStatus.FLUSH_DISK_TIMEOUT:
      return ResponseCode.FLUSH_DISK_TIMEOUT;
    case PutMessageStatus.FLUSH_SLAVE_TIMEOUT:
      return ResponseCode.FLUSH_SLAVE_TIMEOUT;
    case PutMessageStatus.SLAVE_NOT_AVAILABLE:
      return ResponseCode.SLAVE_NOT_AVAILABLE;
    case PutMessageStatus.MESSAGE_ILLEGAL:
    case PutMessageStatus.PROPERTIES_SIZE_EXCEEDED:
      return ResponseCode.MESSAGE_ILLEGAL;
    case PutMessageStatus.SERVICE_NOT_AVAILABLE:
      return ResponseCode.SERVICE_NOT_AVAILABLE;
    case PutMessageStatus.OS_PAGE_CACHE_BUSY:
      return ResponseCode.SYSTEM_BUSY;
    case PutMessageStatus.CREATE_MAPPED_FILE_FAILED:
    case PutMessageStatus.UNKNOWN_ERROR:
      return ResponseCode.SYSTEM_ERROR;
  }
}

/** The one place a store read status becomes a pull response code (RocketMQ's PullMessageProcessor rules). */
export function getStatusToPullCode(status: GetMessageStatus, requestedOffset: number): number {
  switch (status) {
    case GetMessageStatus.FOUND:
      return ResponseCode.SUCCESS;
    case GetMessageStatus.MESSAGE_WAS_REMOVING:
    case GetMessageStatus.NO_MATCHED_MESSAGE:
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case GetMessageStatus.NO_MATCHED_LOGIC_QUEUE:
    case GetMessageStatus.NO_MESSAGE_IN_QUEUE:
      return requestedOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case GetMessageStatus.OFFSET_FOUND_NULL:
    case GetMessageStatus.OFFSET_OVERFLOW_ONE:
      return ResponseCode.PULL_NOT_FOUND;
    case GetMessageStatus.OFFSET_OVERFLOW_BADLY:
    case GetMessageStatus.OFFSET_TOO_SMALL:
      return ResponseCode.PULL_OFFSET_MOVED;
  }
}
