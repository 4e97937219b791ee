# fib(40) mod 2^64 with a bpf-to-bpf call — bpf_conformance/ubpf dialect.
mov %r1, 40
call local fib
exit
fib:
mov %r0, 0
mov %r2, 1
loop:
jeq %r1, 0, out
mov %r3, %r0
add %r3, %r2
mov %r0, %r2
mov %r2, %r3
sub %r1, 1
ja loop
out:
exit
