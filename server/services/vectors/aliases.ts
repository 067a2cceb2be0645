import { NotFoundError } from "../../../clients/errors.js";
import type { VectorStore } from "../../../clients/vectors/port.js";
import type { VectorsService } from "../../../gen/ragplane/v1/vectors_pb.js";
import type { ServiceHandlers } from "../handlers.js";
import { decodePageToken, encodePosition } from "./tokens.js";

/** Aliases per ListAliases page when `page_size` is 0. */
export const defaultAliasPageSize = 100;

type AliasHandlers = Pick<
  ServiceHandlers<typeof VectorsService.method>,
  "putAlias" | "deleteAlias" | "listAliases"
>;

/**
 * PutAlias, DeleteAlias and ListAliases of the VectorsService, scoped to the caller's
 * tenant. Requests have passed `vectorsValidators`; the port's domain errors (NOT_FOUND,
 * ALREADY_EXISTS) propagate to the error-mapping interceptor. Page tokens are opaque, as
 * ListCollections' are (base64url of the last name).
 */
export function createAliasHandlers(store: VectorStore): AliasHandlers {
  return {
    async putAlias(request, { tenant, signal }) {
      const { previous } = await store.putAlias(tenant, request.alias, request.collection, signal);
      return {
        alias: { name: request.alias, collection: request.collection },
        previousCollection: previous ?? "",
      };
    },

    async deleteAlias(request, { tenant, signal }) {
      const deleted = await store.deleteAlias(tenant, request.alias, signal);
      if (!deleted && !request.allowMissing) throw new NotFoundError("alias", request.alias);
      return { deleted };
    },

    async listAliases(request, { tenant, signal }) {
      const position = decodePageToken(request.pageToken);
      if (position.kind === "invalid") throw new RangeError("page_token was not validated");
      const limit = request.pageSize === 0 ? defaultAliasPageSize : request.pageSize;
      const page = await store.listAliases(
        tenant,
        position.after === undefined ? { limit } : { limit, after: position.after },
        signal,
      );
      return {
        aliases: page.aliases.map(({ name, collection }) => ({ name, collection })),
        nextPageToken: page.nextAfter === undefined ? "" : encodePosition(page.nextAfter),
      };
    },
  };
}
