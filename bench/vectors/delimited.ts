/**
 * Messages in protobuf's size-delimited form, as ghz's `--binary-file` reads several:
 * each one prefixed with its length as a varint.
 */
export function delimited(messages: readonly Uint8Array[]): Uint8Array {
  const prefixes = messages.map((message) => varint(message.length));
  const total = messages.reduce((sum, message, i) => sum + prefixes[i]!.length + message.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  messages.forEach((message, i) => {
    out.set(prefixes[i]!, offset);
    offset += prefixes[i]!.length;
    out.set(message, offset);
    offset += message.length;
  });
  return out;
}

/**
 * Whether `bytes` hold `{{`: ghz reads its call data as a Go template, so a message
 * holding the two bytes (a float's bits may) would be taken for a template action and
 * sent altered, or refused.
 */
export function holdsTemplateAction(bytes: Uint8Array): boolean {
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] === 0x7b && bytes[i - 1] === 0x7b) return true;
  }
  return false;
}

/** `value` (an unsigned 32-bit integer) as a protobuf varint. */
export function varint(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`a length prefix must be an unsigned 32-bit integer, got ${value}`);
  }
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}
