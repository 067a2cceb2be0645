import { KafkaEventLog, type KafkaEventLogOptions } from "../../clients/events/kafka/log.js";
import type { EventLogFixture } from "../contract/events.contract.js";

/**
 * A Kafka event log for the contract suite: `reopen` closes it and connects again with
 * the same options (a process restart on the same topics and index); `cleanup` closes it,
 * then runs `release` (close the index, delete the run's topics).
 */
export async function kafkaLogFixture(
  options: KafkaEventLogOptions,
  release: () => Promise<void>,
): Promise<EventLogFixture> {
  let log = await KafkaEventLog.connect(options);
  return {
    get log() {
      return log;
    },
    async reopen() {
      await log.close();
      log = await KafkaEventLog.connect(options);
      return log;
    },
    async cleanup() {
      await log.close();
      await release();
    },
  };
}
