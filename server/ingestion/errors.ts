import { NotFoundError } from "../../clients/errors.js";

/** The topic has no ingestion (NOT_FOUND). */
export class IngestionNotFoundError extends NotFoundError {
  constructor(readonly topic: string) {
    super("topic", topic);
    this.message = `topic "${topic}" has no ingestion`;
  }
}
