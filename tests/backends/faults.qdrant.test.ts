import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import {
  blackholed,
  cutOff,
  describeSkippedFaults,
  engineFaultsRunnable,
  killedAndRestarted,
} from "../support/faults/faults.js";
import { describeEngineFaults } from "../support/faults/suite.js";

if (engineFaultsRunnable && process.env.QDRANT_URL) {
  describeEngineFaults({
    engine: "qdrant",
    services: [VectorsService.typeName],
    dependent: ["upsert", "search"],
    faults: [
      killedAndRestarted("qdrant", 1),
      cutOff("qdrant", 3_000),
      blackholed("qdrant", 4_000, true),
    ],
  });
} else {
  describeSkippedFaults(
    "qdrant",
    engineFaultsRunnable
      ? "skipped: no QDRANT_URL (scripts/engines/start.sh qdrant sets it)"
      : undefined,
  );
}
