/**
 * Hard limits enforced on both transports. They protect the process and the engines;
 * the README documents them.
 */
export const limits = {
  /** Largest request or response message, in bytes. */
  maxMessageBytes: 4 * 1024 * 1024,
  /** Longest id (event, point, node, relationship), in UTF-8 bytes. */
  maxIdBytes: 256,
  /** Longest topic or collection name, in characters. */
  maxNameLength: 200,
  /** Largest vector dimension. */
  maxDimension: 4096,
  /** Most items (events, points, nodes, relationships, ids) in one batch. */
  maxBatchItems: 1000,
  /** Largest page, search limit or traversal limit. */
  maxPageSize: 1000,
  /** Most filter conditions in one filter, counted over must, should and must_not. */
  maxFilterConditions: 64,
  /** Most properties on one node or relationship. */
  maxProperties: 256,
  /** Most headers on one event. */
  maxEventHeaders: 64,
  /** Deepest Neighbors traversal. */
  maxNeighborsDepth: 5,
  /** Longest ShortestPath. */
  maxPathDepth: 10,
} as const;
