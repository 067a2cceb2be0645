import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { IngestionService } from "../../gen/ragplane/v1/ingestion_pb.js";
import { RetrievalService } from "../../gen/ragplane/v1/retrieval_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";

/** Clients of every service the benchmark calls, on one grpc-js channel to a child. */
export interface RagClients {
  readonly events: Client<typeof EventsService>;
  readonly vectors: Client<typeof VectorsService>;
  readonly graphs: Client<typeof GraphsService>;
  readonly ingestion: Client<typeof IngestionService>;
  readonly retrieval: Client<typeof RetrievalService>;
  close(): void;
}

/** Opens the clients on `server`, with its credentials on every call. */
export function ragClients(server: BenchChild): RagClients {
  const channel = createGrpcJsTransport(`127.0.0.1:${server.port}`);
  const transport: Transport = withHeaders(channel, server.headers);
  return {
    events: createClient(EventsService, transport),
    vectors: createClient(VectorsService, transport),
    graphs: createClient(GraphsService, transport),
    ingestion: createClient(IngestionService, transport),
    retrieval: createClient(RetrievalService, transport),
    close: () => channel.close(),
  };
}
