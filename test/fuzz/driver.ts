/**
 * Drives the fuzz target's child (test/fixtures/fuzz_scrape.ts) one mutant at a time,
 * each answer bounded by a kill timeout: no answer in time is a hang (the child is
 * killed), a child that dies without answering is a crash (with its signal). A fresh
 * child every `mutantsPerChild` mutants: a closed heap stays mapped in its process
 * (heap.ts), so a long-lived child would pin every mutant file's memory.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fixtureCommand, type RuntimeName } from "../support/runtimes.ts";

const mutantsPerChild = 200;

/** What one mutant came to in the child. */
export interface FuzzOutcome {
  readonly kind: "ok" | "heap_error" | "foreign" | "hang" | "crash";
  /** The HeapError code or the foreign error's class. */
  readonly code?: string;
  readonly message?: string;
  /** The scrape bodies of an `ok` (before and after writing). */
  readonly bodies?: readonly string[];
}

interface Running {
  readonly process: ChildProcess;
  readonly lines: AsyncIterator<string>;
  readonly exited: Promise<string>;
  stderr: string;
}

/** One child at a time, restarted after a hang, a crash or `mutantsPerChild` mutants. */
export class FuzzDriver {
  #running: Running | undefined;
  #asked = 0;

  constructor(readonly runtime: RuntimeName, readonly killAfterMs: number) {}

  async #child(): Promise<Running> {
    if (this.#running !== undefined && this.#asked % mutantsPerChild === 0) await this.close();
    if (this.#running !== undefined) return this.#running;
    const [command, args] = fixtureCommand(this.runtime, "fuzz_scrape");
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const running: Running = {
      process: child,
      lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](),
      exited: new Promise((resolve) => child.on("close", (code, signal) => resolve(signal ?? `exit ${code}`))),
      stderr: "",
    };
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      running.stderr = (running.stderr + chunk).slice(-4000);
    });
    const ready = await running.lines.next();
    if (ready.done || ready.value !== "ready") throw new Error(`the ${this.runtime} fuzz child did not start: ${running.stderr}`);
    this.#running = running;
    return running;
  }

  /** Has the child attach and scrape the heap file at `path`. */
  async ask(path: string): Promise<FuzzOutcome> {
    const child = await this.#child();
    const id = String(this.#asked++);
    child.process.stdin!.write(`scrape ${id} ${path}\n`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.killAfterMs);
    });
    try {
      const line = await Promise.race([child.lines.next(), late]);
      if (line === "late") {
        child.process.kill("SIGKILL");
        await child.exited;
        this.#running = undefined;
        return { kind: "hang" };
      }
      if (line.done || !line.value.startsWith(`result ${id} `)) {
        this.#running = undefined;
        const how = await child.exited;
        return { kind: "crash", message: `${how}; ${line.done ? "no answer" : line.value}; ${child.stderr}` };
      }
      const [, , kind, code, ...message] = line.value.split(" ");
      if (kind === "ok") return { kind, bodies: JSON.parse(line.value.slice(`result ${id} ok `.length)) as string[] };
      return { kind: kind === "heap_error" ? "heap_error" : "foreign", code, message: message.join(" ") };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the child. */
  async close(): Promise<void> {
    const child = this.#running;
    this.#running = undefined;
    if (child === undefined) return;
    child.process.stdin!.end("exit\n");
    await child.exited;
  }
}
