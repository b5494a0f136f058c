import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The name server's KV config (PUT_KV_CONFIG, GET_KV_CONFIG, DELETE_KV_CONFIG,
 * GET_KVLIST_BY_NAMESPACE): namespace -> key -> value, as RocketMQ keeps it, saved to
 * `kvConfigPath` (kvConfig.json, {"configTable":{...}}) after each change when a path is set.
 */
export class KvConfigManager {
  private readonly table = new Map<string, Map<string, string>>();

  constructor(private readonly path: string) {
    if (!path || !existsSync(path)) return;
    const file = JSON.parse(readFileSync(path, 'utf8')) as {
      configTable?: Record<string, Record<string, string>>;
    };
    for (const [ns, kv] of Object.entries(file.configTable ?? {}))
      this.table.set(ns, new Map(Object.entries(kv)));
  }

  put(namespace: string, key: string, value: string): void {
    let kv = this.table.get(namespace);
    if (!kv) {
      kv = new Map();
      this.table.set(namespace, kv);
    }
    kv.set(key, value);
    this.persist();
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): void {
    const kv = this.table.get(namespace);
    if (!kv?.delete(key)) return;
    if (kv.size === 0) this.table.delete(namespace);
    this.persist();
  }

  list(namespace: string): Record<string, string> | undefined {
    const kv = this.table.get(namespace);
    return kv ? Object.fromEntries(kv) : undefined;
  }

  private persist(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const configTable = Object.fromEntries(
      [...this.table].map(([ns, kv]) => [ns, Object.fromEntries(kv)]),
    );
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ configTable }, null, 2));
    renameSync(tmp, this.path);
  }
}
