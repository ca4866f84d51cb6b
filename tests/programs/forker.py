"""A Python program that forks: the child writes and exits 3, the parent
waits for it and exits with the child's status + 1."""

import os
import sys

pid = os.fork()
if pid == 0:
    os.write(1, b"child\n")
    os._exit(3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) + 1)
