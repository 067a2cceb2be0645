import { AlreadyExistsError, NotFoundError, type ResourceKind } from "../../clients/errors.js";

const apiKeyKind: ResourceKind = "api key";

/** No key has this id, or the caller may not know that it exists (NOT_FOUND). */
export class ApiKeyNotFoundError extends NotFoundError {
  constructor(readonly keyId: string) {
    super(apiKeyKind, keyId);
  }
}

/** A key with this id is already stored (ALREADY_EXISTS). */
export class ApiKeyExistsError extends AlreadyExistsError {
  constructor(readonly keyId: string) {
    super(apiKeyKind, keyId);
  }
}
