#!/usr/bin/python3
# A process whose command line cannot be read without waiting, made the way any user can make one
# (agent/proc-memory.ts): a parent maps a page of a file on a FUSE mount, forks, and once the mount has
# stopped answering reads that page in its child's memory through /proc/<child>/mem. The page fault holds
# the child's memory-map lock for reading until the FUSE server answers; the child then asks for the lock
# as a writer (an anonymous mmap) and queues behind it, and so does every later reader of
# /proc/<child>/cmdline or environ (ps included). Everything ends when the FUSE server does: the parent's
# read fails, the child's mmap goes through, both exit.
#
#   memory-holder.py FILE_ON_FUSE FLAGFILE
#
# Prints the child's pid on its first line.
import ctypes
import mmap
import os
import sys
import time

if len(sys.argv) != 3:
    sys.exit('usage: memory-holder.py FILE_ON_FUSE FLAGFILE')
target, flag = sys.argv[1], sys.argv[2]

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]

fd = os.open(target, os.O_RDONLY)
# mapped while the file system still answers, never read: the page is not in the page cache
addr = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
if addr in (None, ctypes.c_void_p(-1).value):
    sys.exit(f'mmap failed: {os.strerror(ctypes.get_errno())}')
go_r, go_w = os.pipe()
child = os.fork()
if child == 0:
    os.read(go_r, 1)
    time.sleep(0.5)  # the parent's read has reached the page fault by now
    mmap.mmap(-1, 1 << 20)  # queues as a writer behind the parent's read
    os._exit(0)

print(child, flush=True)
while not os.path.exists(flag):
    time.sleep(0.05)
mem = os.open(f'/proc/{child}/mem', os.O_RDONLY)
os.write(go_w, b'x')
try:
    os.pread(mem, 1, addr)
except OSError:
    pass  # the FUSE server ended: the fault failed, the child's lock is free
os.waitpid(child, 0)
