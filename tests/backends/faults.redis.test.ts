import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import {
  blackholed,
  describeSkippedFaults,
  engineFaultsRunnable,
  killedAndRestarted,
} from "../support/faults/faults.js";
import { describeEngineFaults } from "../support/faults/suite.js";

if (engineFaultsRunnable) {
  describeEngineFaults({
    engine: "redis",
    services: [EventsService.typeName],
    dependent: ["publish"],
    faults: [killedAndRestarted("redis", 3), blackholed("redis", 4_000, true)],
  });
} else {
  describeSkippedFaults("redis");
}
