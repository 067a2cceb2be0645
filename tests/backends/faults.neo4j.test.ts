import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import {
  blackholed,
  describeSkippedFaults,
  engineFaultsRunnable,
  killedAndRestarted,
} from "../support/faults/faults.js";
import { describeEngineFaults } from "../support/faults/suite.js";

if (engineFaultsRunnable) {
  describeEngineFaults({
    engine: "neo4j",
    services: [GraphsService.typeName],
    dependent: ["upsertNodes", "neighbors"],
    faults: [killedAndRestarted("neo4j", 1), blackholed("neo4j", 4_000, true)],
  });
} else {
  describeSkippedFaults("neo4j");
}
