/** Magic codes at offset 4 of every CommitLog record. */
export const MagicCode = {
  /** Message format V1: one-byte topic length. */
  MESSAGE_V1: -626843481, // 0xDAA320A7
  /** Message format V2: two-byte topic length (topics longer than 127 bytes). */
  MESSAGE_V2: -626843477, // 0xDAA320AB
  /** Fills the unused end of a CommitLog segment; never sent to clients. */
  BLANK: -875286124, // 0xCBD43194
} as const;
