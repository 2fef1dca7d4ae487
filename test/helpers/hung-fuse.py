#!/usr/bin/python3
# A FUSE file system whose every call stops answering once a flag file exists: the adversary's file system
# of test/live/agent/hung-fuse.test.ts (an sshfs to a server that went silent, or a user's own FUSE server).
# It serves, read-only, the files named on the command line under their basenames, so a program can be
# started from it while it still answers; after the flag appears, getattr, lookup, open, read, readlink,
# flush... all block until the server is killed (SIGKILL), which aborts every pending call with ENOTCONN.
# It ends itself LIFETIME seconds after it starts, whatever its test does: a test process that hangs on the
# mount (and so never runs its cleanup) is freed then, and so is every other process waiting on it.
#
#   hung-fuse.py MOUNTPOINT FLAGFILE LIFETIME FILE...
#
# Debian's python3-fusepy (on libfuse2) serves it; run with /usr/bin/python3, which sees Debian's modules.
import errno
import os
import stat
import sys
import threading
import time

from fusepy import FUSE, FuseOSError, Operations

_never = threading.Event()


class Hung(Operations):
    def __init__(self, flag, files):
        self.flag = flag
        self.files = {}
        for f in files:
            with open(f, 'rb') as fh:
                self.files['/' + os.path.basename(f)] = fh.read()
        self.now = time.time()

    def __call__(self, op, *args):
        # every call goes through here: past the flag, none ever answers
        if op not in ('init', 'destroy') and os.path.exists(self.flag):
            _never.wait()
        return super().__call__(op, *args)

    def getattr(self, path, fh=None):
        base = {'st_uid': 0, 'st_gid': 0, 'st_atime': self.now, 'st_mtime': self.now, 'st_ctime': self.now}
        if path == '/':
            return {**base, 'st_mode': stat.S_IFDIR | 0o755, 'st_nlink': 2}
        data = self.files.get(path)
        if data is None:
            raise FuseOSError(errno.ENOENT)
        return {**base, 'st_mode': stat.S_IFREG | 0o755, 'st_nlink': 1, 'st_size': len(data)}

    def readdir(self, path, fh):
        return ['.', '..'] + [p[1:] for p in self.files]

    def open(self, path, flags):
        if path not in self.files:
            raise FuseOSError(errno.ENOENT)
        if flags & (os.O_WRONLY | os.O_RDWR):
            raise FuseOSError(errno.EROFS)
        return 0

    def read(self, path, size, offset, fh):
        return self.files[path][offset : offset + size]


def end_after(seconds):
    time.sleep(seconds)
    os._exit(0)  # the kernel aborts every call still waiting on this server when its /dev/fuse closes


if __name__ == '__main__':
    if len(sys.argv) < 5:
        sys.exit('usage: hung-fuse.py MOUNTPOINT FLAGFILE LIFETIME FILE...')
    threading.Thread(target=end_after, args=(float(sys.argv[3]),), daemon=True).start()
    # attributes and names cached for a tenth of a second only, so the kernel asks again soon after the flag
    FUSE(Hung(sys.argv[2], sys.argv[4:]), sys.argv[1], foreground=True, ro=True, attr_timeout=0.1, entry_timeout=0.1)
