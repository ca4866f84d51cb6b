from collections.abc import Sequence

STAGE_EXEC: int
STAGE_CHDIR: int
STAGE_FDS: int
STAGE_GO: int
STAGE_SECCOMP: int

def fork_exec(
    paths: Sequence[bytes],
    argv: Sequence[bytes],
    envp: Sequence[bytes],
    cwd: bytes | None,
    stdin: int,
    stdout: int,
    stderr: int,
    go_fd: int,
    err_fd: int,
    filter: bytes | None,
    /,
) -> int: ...
