/**
 * Memory accesses (check_mem_access and its family): stack reads and writes with spill/fill,
 * map values and keys, packets, ringbuf memory, the context (through the program type's
 * is_valid_access), alignment, and the checks of memory a helper reads or writes.
 */
import type { CtxRegType } from "../progtypes/types.js";
import { FLOW_KEYS_SIZE } from "../progtypes/flow-dissector.js";
import {
  assignReg,
  coerceRegToSize,
  coerceRegToSizeSx,
  copyReg,
  markRegKnown,
  markRegKnownZero,
  markRegUnknown,
  registerIsNull,
  regWidth,
  S64_MIN,
} from "./bounds.js";
import { checkPtrToBtfAccess, markCtxLoad, tracingCtxAccess } from "./btf-access.js";
import type { Env } from "./env.js";
import { allocatedStack, growStack, isSpilledReg, isSpilledScalarReg, slotForWrite } from "./state.js";
import { markChainPrecision } from "./precision.js";
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst, tnumStr } from "./tnum.js";
import {
  BPF_REG_SIZE,
  CONST_PTR_TO_MAP,
  MAX_BPF_STACK,
  MEM_RDONLY,
  NOT_INIT,
  PTR_MAYBE_NULL,
  PTR_TO_CTX,
  PTR_TO_FLOW_KEYS,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_MEM,
  PTR_TO_PACKET,
  PTR_TO_PACKET_END,
  PTR_TO_PACKET_META,
  PTR_TO_SOCK_COMMON,
  PTR_TO_SOCKET,
  PTR_TO_STACK,
  PTR_TO_TCP_SOCK,
  PTR_TO_XDP_SOCK,
  PTR_TO_BTF_ID,
  PTR_UNTRUSTED,
  SCALAR_VALUE,
  STACK_INVALID,
  STACK_MISC,
  STACK_SPILL,
  STACK_ZERO,
  baseType,
  regTypeStr,
  type FuncState,
  type Reg,
  type StackSlot,
  hasAddConst,
  setSlotType,
  slotType,
} from "./types.js";

export const BPF_MAX_VAR_OFF = 1n << 29n;
export const BPF_MAX_VAR_SIZ = 1n << 29n;
export const MAX_PACKET_OFF = 0xffff;

export type Access = "read" | "write";

const isPktPointer = (t: number): boolean => t === PTR_TO_PACKET || t === PTR_TO_PACKET_META;

function isSpillableRegtype(t: number): boolean {
  switch (baseType(t)) {
    case NOT_INIT:
    case SCALAR_VALUE:
      return false;
    default:
      return true;
  }
}

function scrubSpilledSlot(slot: StackSlot, j: number): void {
  if (slotType(slot, j) !== STACK_INVALID) setSlotType(slot, j, STACK_MISC);
}

function markStackSlotMisc(env: Env, slot: StackSlot, j: number): void {
  if (slotType(slot, j) === STACK_ZERO) return;
  if (env.allowPtrLeaks && slotType(slot, j) === STACK_INVALID) return;
  setSlotType(slot, j, STACK_MISC);
}

function isStackSlotSpecial(slot: StackSlot): boolean {
  return slotType(slot, BPF_REG_SIZE - 1) === STACK_SPILL;
}

/** A tnum as the alignment messages print it: a constant as its value, otherwise (value; mask). */
function tnumText(t: { value: bigint; mask: bigint }): string {
  return tnumIsConst(t) ? t.value.toString() : tnumStr(t);
}

/** check_generic_ptr_alignment / check_ptr_alignment. */
export function checkPtrAlignment(env: Env, reg: Reg, off: number, size: number, strictOnce: boolean): void {
  let strict = strictOnce;
  let desc = "";
  switch (reg.type) {
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META: {
      if (!strict || size === 1) return;
      // Strict checks emulate NET_IP_ALIGN == 2 on every architecture (check_pkt_ptr_alignment)
      const ipAlign = 2;
      if (reg.varOff.mask === 0n && reg.varOff.value === 0n) {
        // As below for a constant zero var_off, in plain numbers.
        if (size !== 0 && ((ipAlign + reg.off + off) & (size - 1)) !== 0) env.fail(`misaligned packet access off ${ipAlign}+${tnumText(reg.varOff)}+${reg.off}+${off} size ${size}`);
        return;
      }
      const regOff = tnumAdd(reg.varOff, tnumConst(BigInt(ipAlign + reg.off + off)));
      if (!tnumIsAligned(regOff, size)) {
        env.fail(`misaligned packet access off ${ipAlign}+${tnumText(reg.varOff)}+${reg.off}+${off} size ${size}`);
      }
      return;
    }
    case PTR_TO_FLOW_KEYS:
      desc = "flow keys ";
      break;
    case PTR_TO_MAP_KEY:
      desc = "key ";
      break;
    case PTR_TO_MAP_VALUE:
      desc = "value ";
      break;
    case PTR_TO_CTX:
      desc = "context ";
      break;
    case PTR_TO_STACK:
      desc = "stack ";
      strict = true;
      break;
    case PTR_TO_SOCKET:
      desc = "sock ";
      break;
    case PTR_TO_SOCK_COMMON:
      desc = "sock_common ";
      break;
    case PTR_TO_TCP_SOCK:
      desc = "tcp_sock ";
      break;
    case PTR_TO_XDP_SOCK:
      desc = "xdp_sock ";
      break;
  }
  if (!strict || size === 1) return;
  if (reg.varOff.mask === 0n && reg.varOff.value === 0n) {
    // Constant zero var_off: only the low bits of the fixed offsets matter, in plain numbers.
    if (size !== 0 && ((reg.off + off) & (size - 1)) !== 0) env.fail(`misaligned ${desc}access off ${tnumText(reg.varOff)}+${reg.off}+${off} size ${size}`);
    return;
  }
  const regOff = tnumAdd(reg.varOff, tnumConst(BigInt(reg.off + off)));
  if (!tnumIsAligned(regOff, size)) {
    env.fail(`misaligned ${desc}access off ${tnumText(reg.varOff)}+${reg.off}+${off} size ${size}`);
  }
}

/** __check_mem_access: the access [off, off+size) must fit in memSize bytes. */
function checkMemBounds(env: Env, regno: number, off: bigint, size: number, memSize: number, zeroSizeAllowed: boolean): boolean {
  const sizeOk = size > 0 || (size === 0 && zeroSizeAllowed);
  if (off >= 0n && sizeOk && off + BigInt(size) <= BigInt(memSize)) return true;
  const reg = env.regs[regno]!;
  const o = BigInt.asIntN(32, off);
  switch (baseType(reg.type)) {
    case PTR_TO_MAP_KEY:
      env.note(`invalid access to map key, key_size=${memSize} off=${o} size=${size}\n`);
      break;
    case PTR_TO_MAP_VALUE:
      env.note(`invalid access to map value, value_size=${memSize} off=${o} size=${size}\n`);
      break;
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
    case PTR_TO_PACKET_END:
      env.note(`invalid access to packet, off=${o} size=${size}, R${regno}(id=${reg.id},off=${o},r=${memSize})\n`);
      break;
    case PTR_TO_CTX:
      env.note(`invalid access to context, ctx_size=${memSize} off=${o} size=${size}\n`);
      break;
    default:
      env.note(`invalid access to memory, mem_size=${memSize} off=${o} size=${size}\n`);
  }
  return false;
}

/** check_mem_region_access: map values, keys and PTR_TO_MEM with their variable offset. */
export function checkMemRegionAccess(env: Env, regno: number, off: number, size: number, memSize: number, zeroSizeAllowed: boolean): void {
  const reg = env.regs[regno]!;
  const o = BigInt(off);
  if (reg.smin < 0n && (reg.smin === S64_MIN || o + reg.smin !== BigInt.asIntN(32, o + reg.smin) || reg.smin + o < 0n)) {
    env.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  if (!checkMemBounds(env, regno, reg.smin + o, size, memSize, zeroSizeAllowed)) {
    env.fail(`R${regno} min value is outside of the allowed memory range`);
  }
  if (reg.umax >= BPF_MAX_VAR_OFF) {
    env.fail(`R${regno} unbounded memory access, make sure to bounds check any such access`);
  }
  if (!checkMemBounds(env, regno, reg.umax + o, size, memSize, zeroSizeAllowed)) {
    env.fail(`R${regno} max value is outside of the allowed memory range`);
  }
}

/** check_map_access: the value bounds and the special fields (bpf_spin_lock) inside it. */
export function checkMapAccess(env: Env, regno: number, off: number, size: number, zeroSizeAllowed: boolean, direct: boolean): void {
  const reg = env.regs[regno]!;
  const map = reg.map!;
  checkMemRegionAccess(env, regno, off, size, map.valueSize, zeroSizeAllowed);
  if (map.spinLockOff !== undefined && direct) {
    const p = BigInt(map.spinLockOff);
    if (reg.smin + BigInt(off) < p + 4n && p < reg.umax + BigInt(off + size)) {
      env.fail("bpf_spin_lock cannot be accessed directly by load/store");
    }
  }
}

/** check_map_access_type: BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG maps. */
function checkMapAccessType(env: Env, regno: number, access: Access): void {
  const map = env.regs[regno]!.map!;
  const RDONLY_PROG = 1 << 7;
  const WRONLY_PROG = 1 << 8;
  if (access === "write" && (map.flags & RDONLY_PROG || map.readOnly)) {
    env.fail(`write into map forbidden, value_size=${map.valueSize} off=${env.regs[regno]!.off} size=?`);
  }
  if (access === "read" && map.flags & WRONLY_PROG) {
    env.fail(`read from map forbidden, value_size=${map.valueSize} off=${env.regs[regno]!.off} size=?`);
  }
}

/** check_packet_access. */
export function checkPacketAccess(env: Env, regno: number, off: number, size: number, zeroSizeAllowed: boolean): void {
  const reg = env.regs[regno]!;
  if (reg.smin < 0n) {
    env.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  const ok = reg.range >= 0 && checkMemBounds(env, regno, BigInt(off), size, reg.range, zeroSizeAllowed);
  if (!ok) env.fail(`R${regno} offset is outside of the packet`);
  env.maxPktOffset = Math.max(env.maxPktOffset, off + Number(reg.umax) + size - 1);
}

/** __check_ptr_off_reg: pointers that must be used unmodified (ctx, sockets …). */
export function checkPtrOffReg(env: Env, reg: Reg, regno: number, fixedOffOk: boolean): void {
  if (reg.off < 0) env.fail(`negative offset ${regTypeStr(reg.type)} ptr R${regno} off=${reg.off} disallowed`);
  if (!fixedOffOk && reg.off) env.fail(`dereference of modified ${regTypeStr(reg.type)} ptr R${regno} off=${reg.off} disallowed`);
  if (!tnumIsConst(reg.varOff) || reg.varOff.value) {
    env.fail(`variable ${regTypeStr(reg.type)} access var_off=${tnumStr(reg.varOff)} disallowed`);
  }
}

function checkCtxAccess(env: Env, off: number, size: number, access: Access, isLdsx: boolean): CtxRegType {
  const spec = env.progType;
  const r = spec
    ? spec.checkAccess({ off, size, write: access === "write", signExtend: isLdsx, attachType: env.options.attachType })
    : ({ ok: false, message: `invalid bpf_context access off=${off} size=${size}` } as const);
  if (!r.ok) env.fail(r.message);
  env.maxCtxOffset = Math.max(env.maxCtxOffset, off + size);
  return r.regType;
}

// ---- stack --------------------------------------------------------------------------------------

function checkStackSlotWithinBounds(env: Env, off: bigint, state: FuncState, access: Access): boolean {
  const minValid = access === "write" || env.allowPtrLeaks ? -MAX_BPF_STACK : -allocatedStack(state);
  return !(off < BigInt(minValid) || off > -1n);
}

function updateStackDepth(env: Env, state: FuncState, size: number): void {
  growStack(state, size);
  const sub = state.subprogno;
  if (env.stackDepth[sub]! < size) env.stackDepth[sub] = size;
}

/** check_stack_access_within_bounds (off includes the register's fixed offset). */
export function checkStackAccessWithinBounds(env: Env, regno: number, off: number, size: number, access: Access): void {
  const reg = env.regs[regno]!;
  const state = env.frameOf(reg);
  const extra = access === "read" ? " read from" : " write to";
  const vo = reg.varOff;
  if (vo.mask === 0n && vo.value === 0n) {
    // The usual case (fp plus a fixed offset) in plain numbers: the same checks as below
    // without allocating BigInts.
    const minValid = access === "write" || env.allowPtrLeaks ? -MAX_BPF_STACK : -allocatedStack(state);
    if (off < minValid || off > -1 || off + size > 0 || size < 0) env.fail(`invalid${extra} stack R${regno} off=${off} size=${size}`);
    updateStackDepth(env, state, 0 - off);
    return;
  }
  let minOff: bigint;
  let maxOff: bigint;
  if (tnumIsConst(reg.varOff)) {
    minOff = BigInt.asIntN(64, reg.varOff.value) + BigInt(off);
    maxOff = minOff + BigInt(size);
  } else {
    if (reg.smax >= BPF_MAX_VAR_OFF || reg.smin <= -BPF_MAX_VAR_OFF) {
      env.fail(`invalid unbounded variable-offset${extra} stack R${regno}`);
    }
    minOff = reg.smin + BigInt(off);
    maxOff = reg.smax + BigInt(off) + BigInt(size);
  }
  let err = !checkStackSlotWithinBounds(env, minOff, state, access);
  if (!err && maxOff > 0n) err = true;
  if (!err && size < 0) err = true;
  if (err) {
    if (tnumIsConst(reg.varOff)) env.fail(`invalid${extra} stack R${regno} off=${off} size=${size}`);
    env.fail(`invalid variable-offset${extra} stack R${regno} var_off=${tnumStr(reg.varOff)} off=${off} size=${size}`);
  }
  updateStackDepth(env, state, Number(-minOff));
}

function saveRegisterState(env: Env, state: FuncState, spi: number, reg: Reg, size: number): void {
  const slot = slotForWrite(state, spi);
  slot.spilled = copyReg(reg);
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) setSlotType(slot, i - 1, STACK_SPILL);
  for (; i; i--) markStackSlotMisc(env, slot, i - 1);
}

function assignScalarIdBeforeMov(env: Env, reg: Reg): void {
  if (reg.type !== SCALAR_VALUE) return;
  // rY already carries a linked offset: multiple rX += const are not supported, drop it.
  if (hasAddConst(reg.id)) {
    reg.id = 0;
    reg.off = 0;
  }
  if (!reg.id && !tnumIsConst(reg.varOff)) reg.id = env.newId();
}

export { assignScalarIdBeforeMov };

function checkStackWriteFixedOff(env: Env, state: FuncState, off: number, size: number, valueRegno: number, isSt: boolean, imm: number): void {
  const slotIdx = -off - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  // Every branch below writes the slot: make it private first (copy-on-write).
  const slot = slotForWrite(state, spi);
  if (!env.allowPtrLeaks && isSpilledReg(slot) && !isSpilledScalarReg(slot) && size !== BPF_REG_SIZE) {
    env.fail("attempt to corrupt spilled pointer on stack");
  }
  const cur = env.frame;
  const reg = valueRegno >= 0 ? cur.regs[valueRegno]! : null;
  env.scratch.markSlot(spi);
  if (env.curHist) {
    env.curHist.frame = state.frameno;
    env.curHist.spi = spi;
  }
  if (reg && off % BPF_REG_SIZE === 0 && reg.type === SCALAR_VALUE && env.privileged) {
    const fits = regWidth(reg) <= 8 * size;
    if (fits) assignScalarIdBeforeMov(env, reg);
    saveRegisterState(env, state, spi, reg, size);
    if (!fits) slot.spilled.id = 0;
  } else if (!reg && off % BPF_REG_SIZE === 0 && isSt && env.privileged) {
    const tmp = copyReg(env.regs[0]!);
    tmp.type = SCALAR_VALUE;
    markRegKnown(tmp, BigInt(imm));
    tmp.precise = false;
    saveRegisterState(env, state, spi, tmp, size);
  } else if (reg && isSpillableRegtype(reg.type)) {
    if (size !== BPF_REG_SIZE) env.fail("invalid size of register spill");
    if (state !== cur && reg.type === PTR_TO_STACK) env.fail("cannot spill pointers to stack into stack frame of the caller", "EINVAL");
    saveRegisterState(env, state, spi, reg, size);
  } else {
    let type = STACK_MISC;
    slot.spilled.type = NOT_INIT;
    if (isStackSlotSpecial(slot)) for (let i = 0; i < BPF_REG_SIZE; i++) scrubSpilledSlot(slot, i);
    if ((reg && registerIsNull(reg)) || (!reg && isSt && imm === 0)) {
      type = STACK_ZERO;
      if (reg) markChainPrecision(env, valueRegno);
    }
    for (let i = 0; i < size; i++) setSlotType(slot, (slotIdx - i) % BPF_REG_SIZE, type);
  }
  // Only whole, aligned slots count as written (check_stack_write_fixed_off).
  if (off % BPF_REG_SIZE === 0 && size === BPF_REG_SIZE) env.liveness.markWrite(state.frameno, spi);
}

function checkStackWriteVarOff(env: Env, state: FuncState, ptrRegno: number, off: number, size: number, valueRegno: number, isSt: boolean, imm: number, insnIdx: number): void {
  const ptr = env.regs[ptrRegno]!;
  const minOff = Number(ptr.smin) + off;
  const maxOff = Number(ptr.smax) + off + size;
  const value = valueRegno >= 0 ? env.regs[valueRegno]! : null;
  const writingZero = (value && registerIsNull(value)) || (!value && isSt && imm === 0);
  // A zero kept in some slot (STACK_ZERO, or a spilled constant 0) needs the value precise
  let zeroUsed = false;
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    const slot = state.stack[spi]!;
    const j = slotIdx % BPF_REG_SIZE;
    env.scratch.markSlot(spi);
    const t = slotType(slot, j);
    if (!env.allowPtrLeaks && t !== STACK_MISC && t !== STACK_ZERO) {
      env.fail(`spilled ptr in range of var-offset stack write; insn ${insnIdx}, ptr off: ${i}`, "EINVAL");
    }
    if (writingZero && t === STACK_SPILL && isSpilledScalarReg(slot)) {
      const sr = slot.spilled;
      if (tnumIsConst(sr.varOff) && sr.varOff.value === 0n) {
        zeroUsed = true;
        continue;
      }
    }
    const own = slotForWrite(state, spi);
    own.spilled.type = NOT_INIT;
    let nt = STACK_MISC;
    if (writingZero && t === STACK_ZERO) {
      nt = STACK_ZERO;
      zeroUsed = true;
    }
    if (t === STACK_INVALID && !env.allowPtrLeaks) {
      env.fail(`uninit stack in range of var-offset write prohibited for !root; insn ${insnIdx}, off: ${i}`, "EINVAL");
    }
    setSlotType(own, j, nt);
  }
  if (zeroUsed && value) markChainPrecision(env, valueRegno);
}

function markRegStackRead(env: Env, ptrState: FuncState, minOff: number, maxOff: number, dstRegno: number): void {
  let zeros = 0;
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    env.scratch.markSlot(spi);
    if (slotType(ptrState.stack[spi]!, slotIdx % BPF_REG_SIZE) !== STACK_ZERO) break;
    zeros++;
  }
  const dst = env.regs[dstRegno]!;
  if (zeros === maxOff - minOff) {
    markRegUnknown(dst);
    markRegKnownZero(dst);
  } else markRegUnknown(dst);
}

function checkStackReadFixedOff(env: Env, regState: FuncState, off: number, size: number, dstRegno: number): void {
  const slotIdx = -off - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  const slot = regState.stack[spi]!;
  let reg = slot.spilled;
  env.scratch.markSlot(spi);
  env.liveness.markRead(env.cur, regState.frameno, env.insnIdx, spi);
  if (env.curHist) {
    env.curHist.frame = regState.frameno;
    env.curHist.spi = spi;
  }
  if (isSpilledReg(slot)) {
    let spillSize = 1;
    for (let i = BPF_REG_SIZE - 1; i > 0 && slotType(slot, i - 1) === STACK_SPILL; i--) spillSize++;
    if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
      if (reg.type !== SCALAR_VALUE) env.fail("invalid size of register fill");
      if (dstRegno < 0) return;
      if (size <= spillSize && off % BPF_REG_SIZE === 0) {
        if (env.privileged && size === 4 && spillSize === 4 && regWidth(reg) <= 32) {
          // The id goes to this state's own copy of the spill (the slot may be shared).
          reg = slotForWrite(regState, spi).spilled;
          assignScalarIdBeforeMov(env, reg);
        }
        assignReg(env.regs[dstRegno]!, copyReg(reg));
        if (regWidth(reg) > size * 8) env.regs[dstRegno]!.id = 0;
      } else {
        let spillCnt = 0;
        let zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const t = slotType(slot, (slotIdx - i) % BPF_REG_SIZE);
          if (t === STACK_SPILL) {
            spillCnt++;
            continue;
          }
          if (t === STACK_MISC) continue;
          if (t === STACK_ZERO) {
            zeroCnt++;
            continue;
          }
          if (t === STACK_INVALID && env.allowPtrLeaks) continue;
          env.fail(`invalid read from stack off ${off}+${i} size ${size}`);
        }
        const dst = env.regs[dstRegno]!;
        if ((spillCnt === size && tnumIsConst(reg.varOff) && reg.varOff.value === 0n) || zeroCnt === size) {
          markRegUnknown(dst);
          markRegKnownZero(dst);
        } else markRegUnknown(dst);
      }
    } else if (dstRegno >= 0) {
      assignReg(env.regs[dstRegno]!, copyReg(reg));
    } else if (!env.allowPtrLeaks && reg.type !== SCALAR_VALUE) {
      env.fail(`leaking pointer from stack off ${off}`);
    }
  } else {
    for (let i = 0; i < size; i++) {
      const t = slotType(slot, (slotIdx - i) % BPF_REG_SIZE);
      if (t === STACK_MISC || t === STACK_ZERO) continue;
      if (t === STACK_INVALID && env.allowPtrLeaks) continue;
      env.fail(`invalid read from stack off ${off}+${i} size ${size}`);
    }
    if (dstRegno >= 0) markRegStackRead(env, regState, off, off + size, dstRegno);
  }
}

function checkStackRead(env: Env, ptrRegno: number, off: number, size: number, dstRegno: number): void {
  const reg = env.regs[ptrRegno]!;
  const state = env.frameOf(reg);
  const varOff = !tnumIsConst(reg.varOff);
  if (dstRegno < 0 && varOff) {
    env.fail(`variable offset stack pointer cannot be passed into helper function; var_off=${tnumStr(reg.varOff)} off=${off} size=${size}`);
  }
  if (!env.privileged && varOff) {
    env.fail(`R${ptrRegno} variable offset stack access prohibited for !root, var_off=${tnumStr(reg.varOff)}`);
  }
  if (!varOff) {
    checkStackReadFixedOff(env, state, off + Number(BigInt.asIntN(64, reg.varOff.value)), size, dstRegno);
  } else {
    checkStackRangeInitialized(env, ptrRegno, off, size, false, "read", null);
    const minOff = Number(reg.smin) + off;
    const maxOff = Number(reg.smax) + off;
    markRegStackRead(env, state, minOff, maxOff + size, dstRegno);
  }
}

function checkStackWrite(env: Env, ptrRegno: number, off: number, size: number, valueRegno: number, isSt: boolean, imm: number, insnIdx: number): void {
  const reg = env.regs[ptrRegno]!;
  const state = env.frameOf(reg);
  if (tnumIsConst(reg.varOff)) {
    checkStackWriteFixedOff(env, state, off + Number(BigInt.asIntN(64, reg.varOff.value)), size, valueRegno, isSt, imm);
  } else {
    checkStackWriteVarOff(env, state, ptrRegno, off, size, valueRegno, isSt, imm, insnIdx);
  }
}

export interface RawMeta {
  rawMode: boolean;
  accessSize: number;
  regno: number;
}

/** check_stack_range_initialized: memory a helper reads from (or writes to) the stack. */
export function checkStackRangeInitialized(env: Env, regno: number, off: number, accessSize: number, zeroSizeAllowed: boolean, access: Access, meta: RawMeta | null): void {
  const reg = env.regs[regno]!;
  const state = env.frameOf(reg);
  const clobber = access === "write";
  if (accessSize === 0 && !zeroSizeAllowed) env.fail("invalid zero-sized read");
  checkStackAccessWithinBounds(env, regno, off, accessSize, access);
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(reg.varOff)) {
    minOff = maxOff = Number(BigInt.asIntN(64, reg.varOff.value)) + off;
  } else {
    if (!env.privileged) {
      env.fail(`R${regno} variable offset stack access prohibited for !root, var_off=${tnumStr(reg.varOff)}`);
    }
    if (meta && meta.rawMode) meta = null;
    minOff = Number(reg.smin) + off;
    maxOff = Number(reg.smax) + off;
  }
  if (meta && meta.rawMode) {
    meta.accessSize = accessSize;
    meta.regno = regno;
    return;
  }
  for (let i = minOff; i < maxOff + accessSize; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    if (allocatedStack(state) <= slotIdx) env.fail("allocated_stack too small", "EFAULT");
    const slot = state.stack[spi]!;
    const j = slotIdx % BPF_REG_SIZE;
    const t = slotType(slot, j);
    // Reading any byte of a slot marks the whole slot read (check_stack_range_initialized).
    if (t === STACK_MISC) {
      env.liveness.markRead(env.cur, reg.frameno, env.insnIdx, spi);
      continue;
    }
    if (t === STACK_ZERO || (t === STACK_INVALID && env.allowPtrLeaks)) {
      if (clobber) setSlotType(slotForWrite(state, spi), j, STACK_MISC);
      env.liveness.markRead(env.cur, reg.frameno, env.insnIdx, spi);
      continue;
    }
    if (isSpilledReg(slot) && (slot.spilled.type === SCALAR_VALUE || env.allowPtrLeaks)) {
      if (clobber) {
        const own = slotForWrite(state, spi);
        markRegUnknown(own.spilled);
        for (let k = 0; k < BPF_REG_SIZE; k++) scrubSpilledSlot(own, k);
      }
      env.liveness.markRead(env.cur, reg.frameno, env.insnIdx, spi);
      continue;
    }
    if (tnumIsConst(reg.varOff)) env.fail(`invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${accessSize}`);
    env.fail(`invalid read from stack R${regno} var_off ${tnumStr(reg.varOff)}+${i - minOff} size ${accessSize}`);
  }
}

// ---- the access itself ---------------------------------------------------------------------------

export interface MemAccess {
  insnIdx: number;
  regno: number;
  off: number;
  size: number;
  access: Access;
  valueRegno: number;
  strictOnce: boolean;
  isLdsx: boolean;
  /** BPF_ST with its immediate (stack spills of constants). */
  isSt?: boolean;
  imm?: number;
}

function ctxRegType(t: CtxRegType): number {
  switch (t) {
    case "PTR_TO_PACKET":
      return PTR_TO_PACKET;
    case "PTR_TO_PACKET_END":
      return PTR_TO_PACKET_END;
    case "PTR_TO_PACKET_META":
      return PTR_TO_PACKET_META;
    case "PTR_TO_SOCK_COMMON_OR_NULL":
      return PTR_TO_SOCK_COMMON | PTR_MAYBE_NULL;
    case "PTR_TO_SOCKET":
      return PTR_TO_SOCKET;
    case "PTR_TO_SOCKET_OR_NULL":
      return PTR_TO_SOCKET | PTR_MAYBE_NULL;
    case "PTR_TO_FLOW_KEYS":
      return PTR_TO_FLOW_KEYS;
    default:
      return SCALAR_VALUE;
  }
}

/** check_mem_access. */
export function checkMemAccess(env: Env, a: MemAccess): void {
  const regs = env.regs;
  const { regno, size, access, valueRegno } = a;
  const reg = regs[regno]!;
  checkPtrAlignment(env, reg, a.off, size, a.strictOnce);
  const off = a.off + reg.off;
  const t = reg.type;
  const value = valueRegno >= 0 ? regs[valueRegno]! : null;

  if (t === PTR_TO_MAP_KEY) {
    if (access === "write") env.fail(`write to change key R${regno} not allowed`);
    checkMemRegionAccess(env, regno, off, size, reg.map!.keySize, false);
    if (value) markRegUnknown(value);
  } else if (t === PTR_TO_MAP_VALUE) {
    if (access === "write" && valueRegno >= 0 && env.isPointerValue(valueRegno)) env.fail(`R${valueRegno} leaks addr into map`);
    checkMapAccessType(env, regno, access);
    checkMapAccess(env, regno, off, size, false, true);
    if (access === "read" && value) {
      const map = reg.map!;
      if (tnumIsConst(reg.varOff) && map.readOnly && map.frozenValue) {
        const mapOff = off + Number(reg.varOff.value);
        const v = readFrozen(map.frozenValue, mapOff, size, a.isLdsx);
        markRegUnknown(value);
        markRegKnown(value, v);
      } else markRegUnknown(value);
    }
  } else if (baseType(t) === PTR_TO_MEM) {
    const rdonly = (t & MEM_RDONLY) !== 0;
    if (t & PTR_MAYBE_NULL) env.fail(`R${regno} invalid mem access '${regTypeStr(t)}'`);
    if (access === "write" && rdonly) env.fail(`R${regno} cannot write into ${regTypeStr(t)}`);
    if (access === "write" && valueRegno >= 0 && env.isPointerValue(valueRegno)) env.fail(`R${valueRegno} leaks addr into mem`);
    // rdonly_untrusted_mem (a pointer to a scalar walked from a kernel struct) is read with
    // faulting loads: no bounds to check.
    if (!(rdonly && t & PTR_UNTRUSTED)) checkMemRegionAccess(env, regno, off, size, reg.memSize, false);
    if (value && (access === "read" || rdonly)) markRegUnknown(value);
  } else if (t === PTR_TO_CTX) {
    if (access === "write" && valueRegno >= 0 && env.isPointerValue(valueRegno)) env.fail(`R${valueRegno} leaks addr into ctx`);
    checkPtrOffReg(env, reg, regno, false);
    const tracing = env.options.tracing;
    if (tracing) {
      // BPF_PROG_TYPE_TRACING: the context is the target function's arguments (btf_ctx_access).
      const r = tracingCtxAccess(env, tracing, off, size, access === "write");
      env.maxCtxOffset = Math.max(env.maxCtxOffset, off + size);
      if (access === "read" && value) markCtxLoad(env, value, r);
    } else {
      const rt = checkCtxAccess(env, off, size, access, a.isLdsx);
      if (access === "read" && value) {
        const rtype = ctxRegType(rt);
        if (rtype === SCALAR_VALUE) markRegUnknown(value);
        else {
          markRegUnknown(value);
          markRegKnownZero(value);
          if (rtype & PTR_MAYBE_NULL) value.id = env.newId();
        }
        value.type = rtype;
      }
    }
  } else if (baseType(t) === PTR_TO_BTF_ID && !(t & PTR_MAYBE_NULL)) {
    checkPtrToBtfAccess(env, env.options.tracing, regno, off, size, access === "write", access === "read" ? valueRegno : -1);
  } else if (t === PTR_TO_STACK) {
    checkStackAccessWithinBounds(env, regno, off, size, access);
    if (access === "read") checkStackRead(env, regno, off, size, valueRegno);
    else checkStackWrite(env, regno, off, size, valueRegno, a.isSt === true, a.imm ?? 0, a.insnIdx);
  } else if (isPktPointer(t)) {
    if (access === "write" && !mayAccessDirectPktData(env)) env.fail("cannot write into packet");
    if (access === "write" && valueRegno >= 0 && env.isPointerValue(valueRegno)) env.fail(`R${valueRegno} leaks addr into packet`);
    checkPacketAccess(env, regno, off, size, false);
    if (access === "read" && value) markRegUnknown(value);
  } else if (t === PTR_TO_FLOW_KEYS) {
    // check_flow_keys_access: within sizeof(struct bpf_flow_keys)
    if (access === "write" && valueRegno >= 0 && env.isPointerValue(valueRegno)) env.fail(`R${valueRegno} leaks addr into flow keys`);
    if (off < 0 || off + size > FLOW_KEYS_SIZE) env.fail(`invalid access to flow keys off=${off} size=${size}`);
    if (access === "read" && value) markRegUnknown(value);
  } else if (t === PTR_TO_SOCK_COMMON || t === PTR_TO_SOCKET || t === PTR_TO_TCP_SOCK || t === PTR_TO_XDP_SOCK) {
    if (access === "write") env.fail(`R${regno} cannot write into ${regTypeStr(t)}`);
    if (value) markRegUnknown(value);
  } else if (t === CONST_PTR_TO_MAP) {
    // check_ptr_to_map_access: reads of struct bpf_map fields through BTF.
    const tname = mapStructName(reg.map?.type ?? 0);
    if (off < 0) env.fail(`R${regno} is ${tname} invalid negative access: off=${off}`);
    if (access !== "read") env.fail(`only read from ${tname} is supported`);
    if (value) markRegUnknown(value);
  } else {
    env.fail(`R${regno} invalid mem access '${regTypeStr(t)}'`);
  }

  if (size < BPF_REG_SIZE && value && access === "read" && value.type === SCALAR_VALUE) {
    if (!a.isLdsx) coerceRegToSize(value, size);
    else coerceRegToSizeSx(value, size);
  }
}

/** The kernel struct behind a map type's map_btf_id (what check_ptr_to_map_access names). */
function mapStructName(type: number): string {
  switch (type) {
    case 1: case 5: case 9: case 10: case 13: return "bpf_htab";
    case 7: return "bpf_stack_map";
    case 11: return "lpm_trie";
    case 14: case 25: return "bpf_dtab";
    case 15: return "bpf_stab";
    case 16: return "bpf_cpu_map";
    case 17: return "xsk_map";
    case 18: return "bpf_shtab";
    case 19: case 21: return "bpf_cgroup_storage_map";
    case 20: return "reuseport_array";
    case 22: case 23: return "bpf_queue_stack";
    case 24: case 28: case 29: case 32: return "bpf_local_storage_map";
    case 26: return "bpf_struct_ops_map";
    case 27: case 31: return "bpf_ringbuf_map";
    case 30: return "bpf_bloom_filter";
    case 33: return "bpf_arena";
    default: return "bpf_array";
  }
}

function readFrozen(bytes: Uint8Array, off: number, size: number, sx: boolean): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i] ?? 0);
  return sx ? BigInt.asUintN(64, BigInt.asIntN(size * 8, v)) : v;
}

/** may_access_direct_pkt_data for writes: only types whose packet the program may change. */
export function mayAccessDirectPktData(env: Env): boolean {
  const name = env.progType?.name;
  switch (name) {
    case "socket_filter":
    case "cgroup_skb":
    case "sock_ops":
    case "lwt_in":
    case "lwt_out":
    case "lwt_seg6local":
    case "sk_reuseport":
    case "flow_dissector":
      return false;
    default:
      return true;
  }
}

// ---- helper memory ---------------------------------------------------------------------------

/** check_helper_mem_access: memory a helper argument points to. */
export function checkHelperMemAccess(env: Env, regno: number, accessSize: number, access: Access, zeroSizeAllowed: boolean, meta: RawMeta | null): void {
  const reg = env.regs[regno]!;
  switch (baseType(reg.type)) {
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
      checkPacketAccess(env, regno, reg.off, accessSize, zeroSizeAllowed);
      return;
    case PTR_TO_MAP_KEY:
      if (access === "write") env.fail(`R${regno} cannot write into ${regTypeStr(reg.type)}`);
      checkMemRegionAccess(env, regno, reg.off, accessSize, reg.map!.keySize, false);
      return;
    case PTR_TO_MAP_VALUE:
      checkMapAccessType(env, regno, access);
      checkMapAccess(env, regno, reg.off, accessSize, zeroSizeAllowed, false);
      return;
    case PTR_TO_MEM:
      if (reg.type & MEM_RDONLY && access === "write") env.fail(`R${regno} cannot write into ${regTypeStr(reg.type)}`);
      checkMemRegionAccess(env, regno, reg.off, accessSize, reg.memSize, zeroSizeAllowed);
      return;
    case PTR_TO_STACK:
      checkStackRangeInitialized(env, regno, reg.off, accessSize, zeroSizeAllowed, access, meta);
      return;
    default:
      // Allow a zero-byte access through NULL, whatever the pointer type
      if (zeroSizeAllowed && accessSize === 0 && registerIsNull(reg)) return;
      env.fail(`R${regno} type=${regTypeStr(reg.type)} expected=${regTypeStr(PTR_TO_STACK)}`);
  }
}

/** check_mem_size_reg: the size argument that follows a memory argument. */
export function checkMemSizeReg(env: Env, regno: number, access: Access, zeroSizeAllowed: boolean, meta: RawMeta & { msizeMax: bigint }): void {
  const reg = env.regs[regno]!;
  meta.msizeMax = reg.umax;
  const m: RawMeta | null = tnumIsConst(reg.varOff) ? meta : null;
  if (reg.smin < 0n) env.fail(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
  if (reg.umin === 0n && !zeroSizeAllowed) {
    env.fail(`R${regno} invalid zero-sized read: u64=[${BigInt.asIntN(64, reg.umin)},${BigInt.asIntN(64, reg.umax)}]`);
  }
  if (reg.umax >= BPF_MAX_VAR_SIZ) env.fail(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  checkHelperMemAccess(env, regno - 1, Number(reg.umax), access, zeroSizeAllowed, m);
  // Precise only once the size is known to be acceptable (the kernel marks it last)
  markChainPrecision(env, regno);
}
