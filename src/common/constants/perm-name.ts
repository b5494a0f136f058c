/** Topic and broker permission bits (PermName). */
export const PermName = {
  PERM_PRIORITY: 8,
  PERM_READ: 4,
  PERM_WRITE: 2,
  PERM_INHERIT: 1,
} as const;

export const isReadable = (perm: number): boolean => (perm & PermName.PERM_READ) !== 0;
export const isWriteable = (perm: number): boolean => (perm & PermName.PERM_WRITE) !== 0;
