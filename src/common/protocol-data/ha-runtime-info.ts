/** One slave as its master sees it (HARuntimeInfo.HAConnectionRuntimeInfo). */
export interface HAConnectionRuntimeInfo {
  addr: string;
  slaveAckOffset: number;
  /** The master's max offset minus the slave's acknowledged one. */
  diff: number;
  inSync: boolean;
  transferredByteInSecond: number;
  transferFromWhere: number;
}

/** A slave's side (HARuntimeInfo.HAClientRuntimeInfo). */
export interface HAClientRuntimeInfo {
  masterAddr: string;
  transferredByteInSecond: number;
  maxOffset: number;
  lastReadTimestamp: number;
  lastWriteTimestamp: number;
  masterFlushOffset: number;
  isActivated: boolean;
}

/** The body of GET_BROKER_HA_STATUS (907), as mqadmin haStatus reads it. */
export interface HARuntimeInfo {
  master: boolean;
  masterCommitLogMaxOffset: number;
  inSyncSlaveNums: number;
  haConnectionInfo: HAConnectionRuntimeInfo[];
  haClientRuntimeInfo: HAClientRuntimeInfo;
}
