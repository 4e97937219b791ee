; Sum the bytes of the memory (r1 = address, r2 = length) into r0 — kernel/LLVM assembly dialect.
    r0 = 0
    r3 = 0
loop:
    if r3 >= r2 goto done
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r3 += 1
    goto loop
done:
    exit
