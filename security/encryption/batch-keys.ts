import type { DataKey, DataKeyring } from "./keyring.js";

/**
 * The opening keys of `keyIds` (each looked up once; `undefined` for a destroyed or
 * unknown key): those the keyring has cached without waiting, the others with one
 * `openingKey` call each, in parallel. Resolves synchronously-fast when all are cached.
 */
export async function openingKeys(
  keyring: DataKeyring,
  tenant: string,
  keyIds: Iterable<string>,
  signal: AbortSignal | undefined,
): Promise<Map<string, DataKey | undefined>> {
  const keys = new Map<string, DataKey | undefined>();
  const missing: string[] = [];
  for (const keyId of keyIds) {
    if (keys.has(keyId)) continue;
    const hit = keyring.cachedOpeningKey?.(tenant, keyId);
    keys.set(keyId, hit ?? undefined);
    if (hit === undefined) missing.push(keyId);
  }
  if (missing.length > 0) {
    const found = await Promise.all(
      missing.map((keyId) => keyring.openingKey(tenant, keyId, signal)),
    );
    missing.forEach((keyId, index) => {
      keys.set(keyId, found[index]);
    });
  }
  return keys;
}

/**
 * The sealing keys of `subjects` (each looked up once, in parallel): the subject's own key
 * for a non-empty subject, the tenant's key for "".
 */
export async function sealingKeys(
  keyring: DataKeyring,
  tenant: string,
  subjects: Iterable<string>,
  signal: AbortSignal | undefined,
): Promise<Map<string, DataKey>> {
  const distinct = [...new Set(subjects)];
  const found = await Promise.all(
    distinct.map((subject) => keyring.sealingKey(tenant, subject || undefined, signal)),
  );
  return new Map(distinct.map((subject, index) => [subject, found[index] as DataKey]));
}
