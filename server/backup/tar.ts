/**
 * The small part of POSIX tar (ustar) that backup archives use: regular files only, names
 * of at most 100 bytes, sizes in octal or, past 8 GiB, in GNU's base-256 form. Any tar
 * tool lists and extracts such an archive.
 */

/** Size of a tar block: every header, and every file's data rounded up. */
export const tarBlockSize = 512;
/** Longest entry name a header holds without the ustar prefix field. */
export const maxTarNameBytes = 100;
/** The end of an archive: two zero blocks. */
export const tarTrailer: Buffer = Buffer.alloc(2 * tarBlockSize);

const largestOctalSize = 0o77777777777;

/** One file as a header describes it. */
export interface TarEntry {
  readonly name: string;
  readonly size: number;
  /** Modification time, epoch ms. */
  readonly mtimeMs: number;
}

/** What a header block holds. */
export type TarHeader =
  | { readonly kind: "file"; readonly name: string; readonly size: number }
  | { readonly kind: "end" }
  | { readonly kind: "invalid"; readonly reason: string };

/** Bytes an entry takes in the archive: its header and its data padded to a block. */
export function tarEntryBytes(size: number): number {
  return tarBlockSize + tarPaddedSize(size);
}

/** `size` rounded up to a whole block. */
export function tarPaddedSize(size: number): number {
  return Math.ceil(size / tarBlockSize) * tarBlockSize;
}

/** The zero bytes that follow `size` bytes of data up to the next block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc(tarPaddedSize(size) - size);
}

/** The header block of a regular file, mode 0600, owned by uid and gid 0. */
export function tarHeader(entry: TarEntry): Buffer {
  const name = Buffer.from(entry.name, "utf8");
  if (name.length === 0 || name.length > maxTarNameBytes) {
    throw new RangeError(`tar entry names take 1 to ${maxTarNameBytes} bytes: ${entry.name}`);
  }
  const block = Buffer.alloc(tarBlockSize);
  name.copy(block, 0);
  block.write("0000600\0", 100, "ascii");
  block.write("0000000\0", 108, "ascii");
  block.write("0000000\0", 116, "ascii");
  writeSize(block, entry.size);
  block.write(`${octal(Math.floor(entry.mtimeMs / 1000), 11)}\0`, 136, "ascii");
  block.write("0", 156, "ascii");
  block.write("ustar\0", 257, "ascii");
  block.write("00", 263, "ascii");
  block.write(`${octal(checksum(block), 6)}\0 `, 148, "ascii");
  return block;
}

/** Reads a header block: a file, the end of the archive, or why it is not one. */
export function parseTarHeader(block: Buffer): TarHeader {
  if (block.length !== tarBlockSize) return { kind: "invalid", reason: "truncated header" };
  if (block.every((byte) => byte === 0)) return { kind: "end" };
  if (block.toString("ascii", 257, 262) !== "ustar") {
    return { kind: "invalid", reason: "not a ustar header" };
  }
  const recorded = Number.parseInt(field(block, 148, 8), 8);
  if (recorded !== checksum(block)) return { kind: "invalid", reason: "header checksum mismatch" };
  const type = block.toString("ascii", 156, 157);
  if (type !== "0" && type !== "\0") {
    return { kind: "invalid", reason: `entry type ${JSON.stringify(type)} is not a regular file` };
  }
  const size = readSize(block);
  if (size === undefined) return { kind: "invalid", reason: "unreadable size" };
  const prefix = field(block, 345, 155);
  const name = field(block, 0, 100);
  return { kind: "file", name: prefix === "" ? name : `${prefix}/${name}`, size };
}

function writeSize(block: Buffer, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad tar size ${size}`);
  if (size <= largestOctalSize) {
    block.write(`${octal(size, 11)}\0`, 124, "ascii");
    return;
  }
  block[124] = 0x80;
  let rest = BigInt(size);
  for (let i = 135; i > 124; i--) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function readSize(block: Buffer): number | undefined {
  if (((block[124] ?? 0) & 0x80) !== 0) {
    let size = 0n;
    for (let i = 125; i < 136; i++) size = (size << 8n) | BigInt(block[i] ?? 0);
    return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
  }
  const text = field(block, 124, 12).trim();
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

/** A NUL-terminated text field. */
function field(block: Buffer, offset: number, length: number): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces. */
function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < tarBlockSize; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum;
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, "0");
}
