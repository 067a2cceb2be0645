import { reservedKeyPrefix } from "./fields.js";

/** The violation of a key a client may not write or filter on (see `reservedKeyPrefix`). */
export const reservedKeyRefused = `is reserved: keys starting with "${reservedKeyPrefix}" are ragplane's own`;
