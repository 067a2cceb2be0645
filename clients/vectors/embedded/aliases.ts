import type Database from "better-sqlite3";
import type { AliasPage, CollectionAlias } from "../port.js";

const schema = `
CREATE TABLE IF NOT EXISTS aliases (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  collection_uid INTEGER NOT NULL REFERENCES collections (uid),
  PRIMARY KEY (tenant, name)
);
CREATE INDEX IF NOT EXISTS aliases_by_collection ON aliases (collection_uid);
`;

interface AliasRow {
  readonly tenant: string;
  readonly name: string;
  readonly collection: string;
}

/**
 * The embedded store's aliases: rows of the `aliases` table, in the same SQLite file as
 * the collections (so a backup holds them), each naming its collection by `uid`; the
 * foreign key keeps SQLite itself from deleting a collection an alias points to. A
 * database made before aliases existed gets the table when it is opened.
 *
 * Every alias is also held in memory, kept in step with the table by the writes below,
 * so resolving a name on the request path costs two map lookups and no query.
 */
export class AliasDirectory {
  readonly #byTenant = new Map<string, Map<string, string>>();
  readonly #statements;

  constructor(db: Database.Database) {
    db.exec(schema);
    this.#statements = {
      all: db.prepare<[], AliasRow>(
        `SELECT a.tenant AS tenant, a.name AS name, c.name AS collection
         FROM aliases a JOIN collections c ON c.uid = a.collection_uid`,
      ),
      put: db.prepare<[string, string, number]>(
        `INSERT INTO aliases (tenant, name, collection_uid) VALUES (?, ?, ?)
         ON CONFLICT (tenant, name) DO UPDATE SET collection_uid = excluded.collection_uid`,
      ),
      delete: db.prepare<[string, string]>("DELETE FROM aliases WHERE tenant = ? AND name = ?"),
      list: db.prepare<[string, string, number], AliasRow>(
        `SELECT a.tenant AS tenant, a.name AS name, c.name AS collection
         FROM aliases a JOIN collections c ON c.uid = a.collection_uid
         WHERE a.tenant = ? AND a.name > ? ORDER BY a.name LIMIT ?`,
      ),
    };
    for (const row of this.#statements.all.iterate()) this.#remember(row);
  }

  /** The collection the tenant's alias `name` points to; undefined when it is no alias. */
  resolve(tenant: string, name: string): string | undefined {
    return this.#byTenant.get(tenant)?.get(name);
  }

  /** The tenant's aliases that point to `collection`, in name order. */
  pointingAt(tenant: string, collection: string): string[] {
    const found: string[] = [];
    for (const [alias, target] of this.#byTenant.get(tenant) ?? []) {
      if (target === collection) found.push(alias);
    }
    return found.sort();
  }

  /**
   * Points the tenant's alias at a collection (its `uid` and name), creating or moving
   * it; returns the collection it pointed to before.
   */
  put(
    tenant: string,
    alias: string,
    collectionUid: number,
    collection: string,
  ): string | undefined {
    const previous = this.resolve(tenant, alias);
    this.#statements.put.run(tenant, alias, collectionUid);
    this.#remember({ tenant, name: alias, collection });
    return previous;
  }

  /** Deletes the tenant's alias; false when there was none. */
  delete(tenant: string, alias: string): boolean {
    const deleted = this.#statements.delete.run(tenant, alias).changes > 0;
    const aliases = this.#byTenant.get(tenant);
    aliases?.delete(alias);
    if (aliases?.size === 0) this.#byTenant.delete(tenant);
    return deleted;
  }

  /** One page of the tenant's aliases in name order, from the table. */
  page(tenant: string, page: { readonly limit: number; readonly after?: string }): AliasPage {
    const rows = this.#statements.list.all(tenant, page.after ?? "", page.limit + 1);
    const aliases: CollectionAlias[] = rows
      .slice(0, page.limit)
      .map(({ name, collection }) => ({ name, collection }));
    const last = aliases.at(-1);
    return rows.length > page.limit && last ? { aliases, nextAfter: last.name } : { aliases };
  }

  #remember(row: AliasRow): void {
    let aliases = this.#byTenant.get(row.tenant);
    if (aliases === undefined) {
      aliases = new Map();
      this.#byTenant.set(row.tenant, aliases);
    }
    aliases.set(row.name, row.collection);
  }
}
