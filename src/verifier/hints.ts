/**
 * One plain sentence per kernel verifier message saying what to change — the part the kernel's
 * log leaves to the reader.
 */

const HINTS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^R(\d+) !read_ok$/, (m) => m[1] === "0" ? "Set r0 (the return value) on every path before exit, e.g. `r0 = 0`." : `Register r${m[1]} is read before anything was written to it on this path; initialise it first (after a call, r1–r5 are clobbered).`],
  [/^R(\d+) invalid mem access '(\w*_or_null)'$/, (m) => `r${m[1]} may be NULL (${m[2]}); compare it with 0 and only dereference it on the non-NULL branch.`],
  [/^R(\d+) invalid mem access 'scalar'$/, (m) => `r${m[1]} holds a plain number, not a pointer; only pointers from the context, the stack, maps or helpers can be dereferenced.`],
  [/^R(\d+) invalid mem access '(\w+)'$/, (m) => `r${m[1]} (${m[2]}) cannot be dereferenced this way.`],
  [/^R(\d+) type=(\S+) expected=(.+)$/, (m) => `Argument r${m[1]} of this helper call must be one of: ${m[3]}; it is ${m[2]}.`],
  [/^R(\d+) (min|max) value is outside of the allowed memory range$/, (m) => `The access through r${m[1]} can fall outside the object; check the offset against the object's size (e.g. \`if (idx < N)\`) before the access.`],
  [/^R(\d+) min value is negative/, (m) => `The offset in r${m[1]} may be negative; use an unsigned type or check \`idx >= 0\` first.`],
  [/^R(\d+) unbounded memory access/, (m) => `Nothing bounds the offset in r${m[1]}; add an upper-bound check (\`if (idx < N)\`) or mask it (\`idx &= N-1\`).`],
  [/^R(\d+) offset is outside of the packet$/, () => "Compare data + offset + size with data_end (`if (data + n > data_end) return …;`) before reading those packet bytes."],
  [/^invalid read from stack/, () => "The stack bytes read here were never written; initialise the buffer (e.g. `= {}` or memset) before reading or passing it to a helper."],
  [/^invalid (read from|write to) stack R\d+ off=(-?\d+) size=(\d+)$/, () => "The stack is 512 bytes below r10 (fp-512 … fp-1); keep accesses inside it."],
  [/^invalid bpf_context access off=(\d+) size=(\d+)$/, (m) => `The context has no field at offset ${m[1]} that may be accessed with size ${m[2]} (or it is read-only); use the field's exact offset and size.`],
  [/^dereference of modified ctx ptr/, () => "Access context fields as `ctx->field` with a constant offset; do not do arithmetic on the context pointer first."],
  [/would lead to reference leak$/, () => "Every bpf_ringbuf_reserve() result that is not NULL must reach bpf_ringbuf_submit() or bpf_ringbuf_discard() on every path."],
  [/^Unreleased reference/, () => "Submit or discard the reserved ringbuf record on every path before exit."],
  [/^infinite loop detected/, () => "This loop can run forever as far as the verifier can tell; give it a bound the verifier can see (a counter compared with a constant)."],
  [/^BPF program is too large/, () => "Too many paths or loop iterations to check within 1,000,000 instructions; reduce loop bounds, unrolling or branching."],
  [/^back-edge from insn/, () => "Loops need CAP_BPF; unprivileged programs must be loop-free."],
  [/^unreachable insn (\d+)$/, (m) => `Instruction ${m[1]} can never run; remove dead code or fix the jump that should reach it.`],
  [/^jump out of range/, () => "A jump leaves its function or the program; fix the jump offset."],
  [/^last insn is not an exit or jmp$/, () => "Each function must end with `exit` or an unconditional jump, so execution cannot fall off its end."],
  [/^frame pointer is read only$/, () => "r10 is the read-only frame pointer; copy it to another register (`r1 = r10`) and modify that."],
  [/^div by zero$/, () => "Division or modulo by the constant 0; use a non-zero divisor."],
  [/^invalid shift (-?\d+)$/, () => "Shift amounts must be 0–31 for 32-bit and 0–63 for 64-bit operations."],
  [/^program of this type cannot use helper (\S+)#\d+$/, (m) => `${m[1]} is not available to this program type; pick another helper or program type.`],
  [/^invalid func/, () => "Call a helper id the kernel defines."],
  [/pointer arithmetic on (\w+) prohibited, null-check it first$/, () => "Check the pointer against NULL before adding offsets to it."],
  [/pointer arithmetic on (\w+) prohibited$/, (m) => `${m[1]} pointers cannot be moved; use them unmodified.`],
  [/^math between (\w+) pointer and register with unbounded min value/, () => "Bound the offset (both ends) before adding it to the pointer, e.g. `if (off >= N) return …;` on an unsigned value."],
  [/^R(\d+) leaks addr/, () => "Unprivileged programs may not store or return pointers; store a value instead."],
  [/pointer comparison prohibited$/, () => "Unprivileged programs may only compare pointers with pointers of the same packet."],
  [/^At program exit the register R0 has/, () => "Return a value in the range this program type allows (e.g. 0 or 1 for cgroup_skb)."],
  [/^the call stack of \d+ frames is too deep$/, () => "bpf-to-bpf calls may nest at most 8 frames deep."],
  [/^combined stack size/, () => "The functions of one call chain use more than 512 bytes of stack together; shrink their local buffers."],
  [/^misaligned stack access/, () => "Stack accesses must be aligned to their size (e.g. 8-byte accesses at offsets divisible by 8)."],
  [/^invalid size of register (spill|fill)$/, () => "Pointers must be saved to and loaded from the stack with 8-byte accesses."],
  [/^cannot write into (\w+)$/, (m) => `This program type may not write into ${m[1]}.`],
  [/^missing btf func_info$/, () => "Function pointers (callbacks) need BTF func_info: build with `clang -g`."],
  [/^cannot pass map_type (\d+) into func/, () => "This helper does not work with this kind of map."],
  [/^fd -?\d+ is not pointing to valid bpf_map$/, () => "The instruction refers to a map that was not passed to the verifier."],
];

export function hintFor(message: string): string {
  for (const [re, f] of HINTS) {
    const m = message.match(re);
    if (m) return f(m);
  }
  return "The kernel would reject this program at this instruction; see the message above.";
}
