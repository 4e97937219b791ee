import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { HELPER_NAMES } from "../../src/kernel/constants.js";
import { kernelFeatures } from "../../src/kernel/features.js";
import { probeHelpers, probeMapType, probeProgramType, kernelVersionCode } from "../../src/kernel/probe.js";
import { probeLoad } from "../../src/kernel/program.js";
import { build } from "../../src/isa/index.js";
import { noBpf } from "./support.js";

interface BpftoolProbe {
  program_types: Record<string, boolean>;
  map_types: Record<string, boolean>;
  helpers: Record<string, string[]>;
}

function bpftool(): BpftoolProbe | undefined {
  const r = spawnSync("bpftool", ["-j", "feature", "probe", "kernel"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as BpftoolProbe;
  } catch {
    return undefined;
  }
}

const reference = noBpf ? undefined : bpftool();
if (!noBpf && !reference) console.warn("comparison with bpftool feature probe skipped: bpftool is not installed");

describe("feature probes", () => {
  it("computes LINUX_VERSION_CODE from a release string", () => {
    expect(kernelVersionCode("6.18.44-fc-v595")).toBe((6 << 16) + (18 << 8) + 44);
    expect(kernelVersionCode("5.4.300")).toBe((5 << 16) + (4 << 8) + 255);
  });

  describe.skipIf(noBpf || !reference)("agree with bpftool feature probe kernel", () => {
    const progTypes = ["socket_filter", "kprobe", "sched_cls", "xdp", "cgroup_skb", "cgroup_sockopt", "sk_lookup", "lirc_mode2", "syscall", "flow_dissector"];
    it.each(progTypes)("program type %s", (t) => {
      expect(probeProgramType(t)).toBe(reference!.program_types[`have_${t}_prog_type`]);
    });

    const mapTypes = ["hash", "array", "lpm_trie", "hash_of_maps", "cgroup_storage", "queue", "sk_storage", "struct_ops", "ringbuf", "bloom_filter", "user_ringbuf", "task_storage"];
    it.each(mapTypes)("map type %s", (t) => {
      expect(probeMapType(t)).toBe(reference!.map_types[`have_${t}_map_type`]);
    });

    // This bpftool's libbpf predates the kernel's "program of this type cannot use helper" message,
    // so it also lists helpers the kernel refuses that way; apart from those the lists must agree.
    it.each(["xdp", "socket_filter", "sched_cls", "kprobe"])("helpers of %s", (t) => {
      const theirs = new Set(reference!.helpers[`${t}_available_helpers`]);
      const known = new Set(Object.values(reference!.helpers).flat());
      const ours = probeHelpers(t).filter((h) => known.has(h));
      for (const h of ours) expect(theirs.has(h), `${h} for ${t}`).toBe(true);
      for (const h of theirs) {
        if (ours.includes(h)) continue;
        const id = HELPER_NAMES.indexOf(h.replace(/^bpf_/, ""));
        const res = probeLoad({ type: t, instructions: [build.callHelper(id), build.exit()], kernVersion: kernelVersionCode() });
        expect(res.log, `${h} for ${t}`).toMatch(/program of this type cannot use helper/);
      }
      expect(ours.length).toBeGreaterThan(50);
    });
  });

  it.skipIf(noBpf)("kernel-info's data: permission, JIT, types and helpers", () => {
    const f = kernelFeatures({ helperProgramTypes: ["xdp"] });
    expect(f.bpfPermitted).toBe(true);
    expect(f.kernelRelease).toMatch(/^\d+\.\d+/);
    expect(f.programTypes.xdp).toBe(true);
    expect(f.mapTypes.hash).toBe(true);
    expect(f.helpers?.xdp).toContain("bpf_xdp_adjust_head");
    expect(f.helpers?.xdp).not.toContain("bpf_skb_store_bytes");
  });
});
