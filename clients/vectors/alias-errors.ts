import { PreconditionError } from "../errors.js";

/**
 * DeleteCollection of an alias's name (FAILED_PRECONDITION on `name`): aliases are
 * deleted with DeleteAlias, never through the collection they point to.
 */
export function aliasIsNotCollectionError(alias: string, collection: string): PreconditionError {
  return new PreconditionError(
    `"${alias}" is an alias of collection "${collection}", not a collection: delete the alias with DeleteAlias`,
    "name",
  );
}

/**
 * DeleteCollection of a collection that aliases point to (FAILED_PRECONDITION on `name`):
 * the aliases would point at nothing, so they are moved or deleted first.
 */
export function collectionHasAliasesError(
  collection: string,
  aliases: readonly string[],
): PreconditionError {
  const quoted = aliases.map((alias) => `"${alias}"`).join(", ");
  const which = aliases.length === 1 ? `alias ${quoted}` : `aliases ${quoted}`;
  return new PreconditionError(
    `collection "${collection}" is the target of ${which}: point them at another collection (PutAlias) or delete them (DeleteAlias) first`,
    "name",
  );
}
