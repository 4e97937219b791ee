import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadObject } from "../../src/elf/index.js";
import { EbpfError } from "../../src/errors.js";

/**
 * Another loader's opinion: PREVAIL's inventory of the samples corpus (section → functions per
 * object). Program sections must agree for every object both have. Function names differ by
 * design for old objects whose entry symbols are STT_NOTYPE: PREVAIL names those programs after
 * their section, we (like cilium/ebpf) after the symbol at the section's start.
 */
const CORPUS = join(import.meta.dirname, "../../../shared/corpus");
const INVENTORY = join(CORPUS, "prevail/elf_inventory.json");
const present = existsSync(INVENTORY) && existsSync(join(CORPUS, "ebpf-samples"));
if (!present) console.warn(`PREVAIL inventory or samples corpus not found under ${CORPUS}: inventory test skipped`);

/** Objects where a called global .text function is a program for PREVAIL and a subprogram for us. */
const SUBPROGRAM_IN_TEXT = new Set(["build/bpf2bpf.o"]);

describe.skipIf(!present)("program sections agree with PREVAIL's inventory", () => {
  it("for every object in both corpora", () => {
    const inv = JSON.parse(readFileSync(INVENTORY, "utf8")) as {
      projects: Record<string, { objects: Record<string, { exit_code: number; sections?: Record<string, unknown[]> }> }>;
    };
    let compared = 0;
    const disagreements: string[] = [];
    for (const [project, { objects }] of Object.entries(inv.projects)) {
      for (const [object, entry] of Object.entries(objects)) {
        const path = join(CORPUS, "ebpf-samples", project, object);
        if (!existsSync(path)) continue;
        const want = Object.keys(entry.sections ?? {}).sort();
        let got: string[];
        try {
          got = [...new Set(loadObject(new Uint8Array(readFileSync(path))).programs.map((p) => p.sectionName))].sort();
        } catch (e) {
          // We reject some corrupt objects PREVAIL skips silently; the error must be a typed one.
          expect(e, `${project}/${object}`).toBeInstanceOf(EbpfError);
          expect(project).toBe("invalid");
          continue;
        }
        compared++;
        if (SUBPROGRAM_IN_TEXT.has(`${project}/${object}`)) continue;
        if (want.join() !== got.join()) disagreements.push(`${project}/${object}: prevail [${want}] ours [${got}]`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(100);
  });
});
