/**
 * A lock_probe fixture process (test/fixtures/lock_probe.ts) driven one command at a
 * time, each bounded by a kill timeout: a command that does not answer in time is a hang
 * (the process is killed), a process that dies without answering is a crash.
 */

import { type Child, type RuntimeName, spawnFixture } from "./runtimes.ts";

const commandsPerProcess = 200;

/** What one command came to. */
export interface ProbeOutcome {
  readonly kind: "ok" | "heap_error" | "foreign" | "hang" | "crash";
  /** The HeapError code, or the foreign error's class. */
  readonly code?: string;
  readonly message?: string;
}

/** One running probe; `ask` restarts it after a hang or a crash. */
export class Probe {
  #child: Child | undefined;
  #ids = 0;

  constructor(
    readonly runtime: RuntimeName,
    readonly env: Record<string, string>,
    /** Bound on one command's answer, in ms; past it the process is killed. */
    readonly killAfterMs: number,
  ) {}

  async #started(): Promise<Child> {
    // A fresh process now and then: each one's output is kept whole and rescanned per line.
    if (this.#child !== undefined && this.#ids > 0 && this.#ids % commandsPerProcess === 0) await this.close();
    if (this.#child !== undefined) return this.#child;
    const child = spawnFixture(this.runtime, "lock_probe", this.env, { stdin: true });
    await child.waitForLine("ready");
    this.#child = child;
    return child;
  }

  /** Starts the process now (else the first {@link ask} does), and waits until it is ready. */
  async start(): Promise<void> {
    await this.#started();
  }

  /** Sends `command` (`attach <path>` or `label`) and waits for its result line. */
  async ask(command: "attach" | "label", argument = ""): Promise<ProbeOutcome> {
    const child = await this.#started();
    const id = String(this.#ids++);
    child.process.stdin!.write(`${command} ${id} ${argument}\n`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.killAfterMs);
    });
    try {
      const line = await Promise.race([child.waitForLine(`result ${id} `), late]);
      if (line === "late") {
        child.process.kill("SIGKILL");
        await child.exited;
        this.#child = undefined;
        return { kind: "hang" };
      }
      const [, , kind, code, ...message] = line.split(" ");
      if (kind === "ok") return { kind };
      return { kind: kind === "heap_error" ? "heap_error" : "foreign", code, message: message.join(" ") };
    } catch (error) {
      this.#child = undefined;
      const exit = await child.exited;
      return { kind: "crash", message: `${String(error)}; exit ${exit.code ?? exit.signal}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the probe process. */
  async close(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    child.process.stdin!.end("exit\n");
    await child.exited;
  }
}
