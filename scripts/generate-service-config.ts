// Writes gen/service-config.json, the gRPC service config of ragplane's services (retry
// policies and default timeouts), from the descriptor set gen/ragplane.binpb.
import { writeFileSync } from "node:fs";
import {
  buildServiceConfig,
  formatServiceConfig,
  readDescriptorSet,
  servicesOf,
} from "./service-config/build.js";

const gen = new URL("../gen/", import.meta.url);
const services = servicesOf(readDescriptorSet(new URL("ragplane.binpb", gen)), "ragplane.v1");
writeFileSync(
  new URL("service-config.json", gen),
  formatServiceConfig(buildServiceConfig(services)),
);
