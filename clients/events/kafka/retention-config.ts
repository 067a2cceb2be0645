import type { Admin, ConfigResourceTypes } from "kafkajs";

const topicResource = 2 as ConfigResourceTypes;
/** `DYNAMIC_TOPIC_CONFIG`: a value set on the topic itself (not a broker or default one). */
const topicConfigSource = 1;
const dayMs = 86_400_000;

/**
 * The configuration entries that give a topic `retentionMs` (0: forever): `retention.ms`
 * (-1 for forever) and, for a finite retention, `segment.ms` of that retention (at least
 * a minute, at most a day), so expired events go within about twice the retention.
 */
export function retentionEntries(retentionMs: number): { name: string; value: string }[] {
  if (retentionMs === 0) return [{ name: "retention.ms", value: "-1" }];
  const segmentMs = Math.min(Math.max(retentionMs, 60_000), dayMs);
  return [
    { name: "retention.ms", value: String(retentionMs) },
    { name: "segment.ms", value: String(segmentMs) },
  ];
}

/**
 * Changes a topic's retention. Kafka's (non-incremental) AlterConfigs replaces every
 * setting of the topic, so the topic's own settings are read first and sent back with the
 * retention changed.
 */
export async function alterTopicRetention(
  admin: Admin,
  physical: string,
  retentionMs: number,
): Promise<void> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: topicResource, name: physical }],
    includeSynonyms: false,
  });
  const resource = resources[0];
  if (resource === undefined || resource.errorCode !== 0) {
    throw new Error(`describeConfigs of ${physical}: error ${resource?.errorCode}`);
  }
  const settings = new Map<string, string>();
  for (const entry of resource.configEntries) {
    if (entry.configSource === topicConfigSource && !entry.readOnly && !entry.isSensitive)
      settings.set(entry.configName, entry.configValue);
  }
  if (retentionMs === 0) settings.delete("segment.ms");
  for (const { name, value } of retentionEntries(retentionMs)) settings.set(name, value);
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: topicResource,
        name: physical,
        configEntries: [...settings].map(([name, value]) => ({ name, value })),
      },
    ],
  });
}
