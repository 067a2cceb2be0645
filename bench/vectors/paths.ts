import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { GhzPath } from "../ghz-rounds.js";
import { processCpuMicros } from "../neighbours/proc-cpu.js";
import { type PathKind, pathKinds } from "./build.js";
import { delimited, holdsTemplateAction } from "./delimited.js";
import type { SizeSetup, Workload } from "./prepare.js";
import { procServer, type Targets } from "./targets.js";

/** A measured path and what it stands for. */
export interface VectorPath extends GhzPath {
  readonly kind: PathKind;
  readonly size: number;
  /** The filter's name (`1%`, `50%`), none for unfiltered searches. */
  readonly filter?: string;
  readonly recall: number;
}

const ragplaneSearch = `${VectorsService.typeName}/${VectorsService.method.search.name}`;

/** `10k`, `100k`, `1M`. */
export function sizeLabel(size: number): string {
  return size >= 1_000_000 && size % 1_000_000 === 0
    ? `${size / 1_000_000}M`
    : size % 1000 === 0
      ? `${size / 1000}k`
      : String(size);
}

/** The name of a path in the report and the JSON: `embedded/100k/1%`. */
export function pathName(kind: PathKind, size: number, filter?: string): string {
  return [kind, sizeLabel(size), ...(filter === undefined ? [] : [filter])].join("/");
}

/** Every path of every size and workload, in the order the rounds interleave them. */
export function vectorPaths(targets: Targets, setups: readonly SizeSetup[]): VectorPath[] {
  return setups.flatMap((setup) =>
    setup.workloads.flatMap((workload) =>
      pathKinds.map((kind) => path(targets, setup, workload, kind)),
    ),
  );
}

function path(targets: Targets, setup: SizeSetup, workload: Workload, kind: PathKind): VectorPath {
  const filter = workload.filter?.name;
  const name = pathName(kind, setup.size, filter);
  const data = delimited(workload.requests[kind]);
  if (holdsTemplateAction(data)) throw new Error(`${name}: the ghz data holds {{`);
  const what = `${filter === undefined ? "Search" : `Search, filter ${workload.filter?.condition}`}, ${setup.size.toLocaleString("en-US")} points`;
  const common = {
    kind,
    size: setup.size,
    ...(filter === undefined ? {} : { filter }),
    recall: workload.recall[kind],
  };
  switch (kind) {
    case "qdrant":
      return {
        ...common,
        name,
        description: `Qdrant's own gRPC ${what}`,
        server: procServer("qdrant", targets.qdrant.pid, targets.qdrant.grpcPort, {
          "api-key": targets.qdrant.rest.apiKey,
        }),
        call: {
          method: targets.qdrant.codec.method,
          protoset: targets.qdrant.protoset,
          delimited: data,
        },
      };
    case "embedded":
      return {
        ...common,
        name,
        description: `ragplane ${what}, embedded engine`,
        server: procServer(
          "ragplane-embedded",
          targets.embedded.pid,
          targets.embedded.port,
          targets.embedded.headers,
        ),
        call: { method: ragplaneSearch, delimited: data },
      };
    case "ragplane-qdrant":
      return {
        ...common,
        name,
        description: `ragplane ${what}, on Qdrant`,
        server: procServer(
          "ragplane-on-qdrant",
          targets.onQdrant.pid,
          targets.onQdrant.port,
          targets.onQdrant.headers,
        ),
        call: { method: ragplaneSearch, delimited: data },
        engine: { name: "qdrant", cpuMicros: () => processCpuMicros(targets.qdrant.pid) },
      };
  }
}
