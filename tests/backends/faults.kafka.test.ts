import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import {
  describeSkippedFaults,
  engineFaultsRunnable,
  frozen,
  killedAndRestarted,
} from "../support/faults/faults.js";
import { describeEngineFaults } from "../support/faults/suite.js";

if (engineFaultsRunnable) {
  describeEngineFaults({
    engine: "kafka",
    services: [EventsService.typeName],
    dependent: ["publish"],
    faults: [killedAndRestarted("kafka", 1), frozen("kafka", 4_000, false)],
  });
} else {
  describeSkippedFaults("kafka");
}
