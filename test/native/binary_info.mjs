// What the native-target checks need to know about a shipped library: its machine, the
// symbols it exports, whether it still carries a symbol table or debug info, and (ELF)
// the glibc versions it needs. ELF is read with binutils' readelf; Mach-O, which
// Debian's binutils cannot read, by the small reader below (load commands, LC_SYMTAB).

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

function readelf(args, path) {
  return execFileSync("readelf", ["-W", ...args, path], { encoding: "utf8", maxBuffer: 64 << 20 });
}

/**
 * @returns {{ machine: string, exports: string[], sections: string[], glibcVersions: string[], needed: string[] }}
 */
export function elfInfo(path) {
  const machine = readelf(["-h"], path).match(/Machine:\s+(.+)/)?.[1].trim() ?? "unknown";
  const sections = [...readelf(["-S"], path).matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]);
  const exports = [];
  for (const line of readelf(["--dyn-syms"], path).split("\n")) {
    // Num: Value Size Type Bind Vis Ndx Name
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^\d+:$/.test(f[0]) || f[6] === "UND") continue;
    if (f[4] === "GLOBAL" || f[4] === "WEAK") exports.push(f[7].replace(/@.*$/, ""));
  }
  const versionInfo = readelf(["-V"], path);
  const glibcVersions = [...new Set([...versionInfo.matchAll(/Name: (GLIBC_[\d.]+)/g)].map((m) => m[1]))];
  const needed = [...readelf(["-d"], path).matchAll(/\(NEEDED\).*\[(.+)\]/g)].map((m) => m[1]);
  return { machine, exports: exports.sort(), sections, glibcVersions, needed };
}

const lcSegment64 = 0x19;
const lcSymtab = 0x2;
const lcBuildVersion = 0x32;
const lcDyldInfoOnly = 0x80000022;
const lcDyldExportsTrie = 0x80000033;
const nStab = 0xe0;
const nTypeMask = 0x0e;
const nSect = 0x0e;
const nExt = 0x01;
const cpuTypes = { 0x01000007: "x86_64", 0x0100000c: "arm64" };

function uleb128(buffer, at) {
  let value = 0;
  let scale = 1;
  for (let bytes = 0; bytes < 10; bytes++) {
    const byte = buffer[at.offset++];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 128;
  }
  throw new Error("a ULEB128 number longer than 10 bytes: not a Mach-O export trie");
}

/** The names in a Mach-O export trie: what dyld lets other images bind to. */
function exportTrie(buffer, start, sizeBytes) {
  const names = [];
  const pending = [{ node: 0, prefix: "" }];
  for (let visited = 0; pending.length > 0 && visited < 100_000; visited++) {
    const { node, prefix } = pending.pop();
    const at = { offset: start + node };
    const terminalBytes = uleb128(buffer, at);
    if (terminalBytes > 0) names.push(prefix);
    at.offset += terminalBytes;
    const children = buffer[at.offset++];
    for (let c = 0; c < children; c++) {
      const end = buffer.indexOf(0, at.offset);
      const label = buffer.toString("latin1", at.offset, end);
      at.offset = end + 1;
      const child = uleb128(buffer, at);
      if (child >= sizeBytes) throw new Error("a Mach-O export trie edge points outside the trie");
      pending.push({ node: child, prefix: prefix + label });
    }
  }
  return names;
}

function cString(buffer, offset, maxBytes) {
  const end = buffer.indexOf(0, offset);
  return buffer.toString("latin1", offset, end < 0 || end > offset + maxBytes ? offset + maxBytes : end);
}

/**
 * `exports` are read from the export trie (what dyld binds to); `localSymbols` are the
 * names of non-external symbols left in the symbol table.
 *
 * @returns {{ machine: string, exports: string[], sections: string[], debugSymbols: number, localSymbols: string[], minOs: string }}
 */
export function machoInfo(path) {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xfeedfacf) throw new Error(`${path} is not a 64-bit little-endian Mach-O file`);
  const machine = cpuTypes[b.readUInt32LE(4)] ?? `cputype ${b.readUInt32LE(4)}`;
  const commands = b.readUInt32LE(16);
  const sections = [];
  let exports = [];
  let debugSymbols = 0;
  const localSymbols = [];
  let minOs = "unknown";
  let at = 32; // mach_header_64
  for (let i = 0; i < commands; i++) {
    const cmd = b.readUInt32LE(at);
    const size = b.readUInt32LE(at + 4);
    if (cmd === lcSegment64) {
      const segment = cString(b, at + 8, 16);
      const count = b.readUInt32LE(at + 64);
      for (let s = 0; s < count; s++) sections.push(`${segment},${cString(b, at + 72 + s * 80, 16)}`);
    } else if (cmd === lcDyldInfoOnly || cmd === lcDyldExportsTrie) {
      const [offset, sizeBytes] = cmd === lcDyldInfoOnly ? [b.readUInt32LE(at + 40), b.readUInt32LE(at + 44)] : [b.readUInt32LE(at + 8), b.readUInt32LE(at + 12)];
      exports = exportTrie(b, offset, sizeBytes).map((name) => name.replace(/^_/, ""));
    } else if (cmd === lcBuildVersion) {
      const v = b.readUInt32LE(at + 12);
      minOs = `${v >>> 16}.${(v >>> 8) & 0xff}.${v & 0xff}`;
    } else if (cmd === lcSymtab) {
      const [symoff, nsyms, stroff] = [b.readUInt32LE(at + 8), b.readUInt32LE(at + 12), b.readUInt32LE(at + 16)];
      for (let s = 0; s < nsyms; s++) {
        const entry = symoff + s * 16; // nlist_64
        const type = b[entry + 4];
        if (type & nStab) debugSymbols++;
        else if ((type & nTypeMask) === nSect && (type & nExt) === 0) localSymbols.push(cString(b, stroff + b.readUInt32LE(entry), 4096));
      }
    }
    at += size;
  }
  return { machine, exports: exports.sort(), sections, debugSymbols, localSymbols, minOs };
}

/** The names of every `export fn` in zig/src/lib.zig: the C ABI as the source states it. */
export function zigExports(libZigPath) {
  const source = readFileSync(libZigPath, "utf8");
  return [...source.matchAll(/^\s*(?:pub\s+)?export\s+fn\s+(\w+)/gm)].map((m) => m[1]).sort();
}

/** The names in src/native/symbols.ts' `abiSymbols`, the symbols TypeScript binds. */
export function boundSymbols(symbolsTsPath) {
  const source = readFileSync(symbolsTsPath, "utf8");
  const table = source.slice(source.indexOf("export const abiSymbols"), source.indexOf("} as const"));
  return [...table.matchAll(/^\s*(mp_\w+):/gm)].map((m) => m[1]).sort();
}
