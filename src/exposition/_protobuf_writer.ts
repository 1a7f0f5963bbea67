/**
 * A protobuf wire-format writer for the few messages of the Prometheus exposition
 * (private to this folder; protobuf.ts says which fields it writes).
 *
 * Algorithm: one growable byte buffer. A nested message (or string) needs its length
 * before its bytes, which is not known until it is written, so `begin()` reserves one
 * byte for the length and `end()` writes it there; when the length needs more than one
 * varint byte (128 bytes or more), `end()` moves the message right by the extra bytes
 * with one `copyWithin`. Label pairs, buckets and most strings are under 128 bytes, so
 * that move happens about once per series and once per family. The alternative, a first
 * pass that sizes every message, walks the snapshot twice (bench/protobuf.bench.ts
 * measures this writer against protobufjs's fork/ldelim writer).
 *
 * Numbers: varints are written from doubles without BigInt (exact up to 2^53, which is
 * as far as a JavaScript count goes); sint fields use zigzag on doubles the same way.
 *
 * @module
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const INITIAL_BYTES = 4096;
const TWO_POW_32 = 4294967296;

/** A nested message or string under construction: where its reserved length byte is. */
export type Mark = number;

/**
 * Writes protobuf fields into a buffer that grows as needed.
 *
 * @example
 * ```ts
 * const w = new ProtobufWriter();
 * const m = w.begin(1); // field 1, a message
 * w.string(1, "name");
 * w.end(m);
 * const bytes = w.finish();
 * ```
 */
export class ProtobufWriter {
  #bytes = new Uint8Array(INITIAL_BYTES);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  /** Makes room for `extra` more bytes. */
  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** Writes `value` (an integer in [0, 2^53]) as a varint, no tag. */
  #varint(value: number): void {
    this.#reserve(10);
    const bytes = this.#bytes;
    let at = this.#length;
    if (value < 0x80000000) {
      // The common case: 32-bit arithmetic.
      while (value > 0x7f) {
        bytes[at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
    } else {
      let low = value % TWO_POW_32 >>> 0;
      let high = Math.floor(value / TWO_POW_32);
      while (high > 0 || low > 0x7f) {
        bytes[at++] = (low & 0x7f) | 0x80;
        low = ((low >>> 7) | (high << 25)) >>> 0;
        high >>>= 7;
      }
      value = low;
    }
    bytes[at++] = value;
    this.#length = at;
  }

  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  /** A `uint64`/`uint32`/enum field; `value` is an integer in [0, 2^53]. */
  uint(field: number, value: number): void {
    this.#tag(field, WIRE_VARINT);
    this.#varint(value);
  }

  /** A `sint32`/`sint64` field (zigzag); `value` is an integer of magnitude below 2^52. */
  sint(field: number, value: number): void {
    this.#tag(field, WIRE_VARINT);
    this.#varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** A packed `repeated sint64` field. */
  packedSint(field: number, values: readonly number[]): void {
    const mark = this.begin(field);
    for (const value of values) this.#varint(value >= 0 ? value * 2 : -value * 2 - 1);
    this.end(mark);
  }

  /** A `double` field. */
  double(field: number, value: number): void {
    this.#tag(field, WIRE_FIXED64);
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  /** A `string` field: UTF-8, a lone surrogate as U+FFFD (as TextEncoder writes it). */
  string(field: number, value: string): void {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    const count = value.length;
    if (count < 0x80) {
      // Short ASCII, the usual name or label: one length byte and one byte per character.
      this.#reserve(1 + count);
      const bytes = this.#bytes;
      const start = this.#length;
      let at = start + 1;
      let i = 0;
      for (; i < count; i++) {
        const unit = value.charCodeAt(i);
        if (unit >= 0x80) break;
        bytes[at++] = unit;
      }
      if (i === count) {
        bytes[start] = count;
        this.#length = at;
        return;
      }
    }
    this.#reserve(10 + count * 3);
    const mark = this.#length;
    this.#length += 1;
    const { written } = encoder.encodeInto(value, this.#bytes.subarray(this.#length));
    this.#length += written;
    this.end(mark);
  }

  /** Starts a length-delimited field `field` (a nested message or packed list). */
  begin(field: number): Mark {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    return this.beginDelimited();
  }

  /** Starts a length-prefixed record with no tag (a delimited stream's message). */
  beginDelimited(): Mark {
    this.#reserve(1);
    const mark = this.#length;
    this.#length += 1;
    return mark;
  }

  /** Ends the field begun at `mark`: writes its length before it. */
  end(mark: Mark): void {
    const size = this.#length - mark - 1;
    if (size < 0x80) {
      this.#bytes[mark] = size;
      return;
    }
    let extra = 0;
    for (let rest = size >>> 7; rest > 0x7f; rest >>>= 7) extra++;
    extra += 1; // bytes beyond the one reserved
    this.#reserve(extra);
    const bytes = this.#bytes;
    bytes.copyWithin(mark + 1 + extra, mark + 1, this.#length);
    let at = mark;
    let value = size;
    while (value > 0x7f) {
      bytes[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    bytes[at] = value;
    this.#length += extra;
  }

  /** The bytes written, as a fresh `Uint8Array` of exactly their length. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.#bytes.slice(0, this.#length);
  }
}

const encoder = new TextEncoder();
