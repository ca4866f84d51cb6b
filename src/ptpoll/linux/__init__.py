"""Layer 1: thin, typed wrappers of the Linux system calls ptpoll uses.

Errors stay ``OSError`` with ``errno``, ``strerror`` and, where a process
is concerned, ``err.pid`` and the pid in the message.
"""
