/* Syscall-heavy workload for the trace benchmark (ptpoll bench trace).
 *
 *     trace_workload ITERATIONS FILE
 *
 * Each iteration makes six system calls: getppid, openat + read + close
 * of FILE, write to /dev/null, newfstatat of FILE. Only openat and close
 * are traced in the --seccomp-bpf mode, so four calls in six never stop
 * the tracee when the filter works.
 *
 * The calls go through syscall(2) so that no libc caches or rewrites
 * them: the counts that strace -c and ptpoll trace -c report are then
 * 6 * ITERATIONS plus the startup of the dynamic loader, the same for
 * both tracers.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ITERATIONS FILE\n", argv[0]);
        return 2;
    }
    long iterations = strtol(argv[1], NULL, 10);
    const char *path = argv[2];
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0) {
        perror("/dev/null");
        return 1;
    }
    char buf[64];
    struct stat st;
    for (long i = 0; i < iterations; i++) {
        syscall(SYS_getppid);
        long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        syscall(SYS_read, fd, buf, sizeof buf);
        syscall(SYS_close, fd);
        syscall(SYS_write, null_fd, "x", 1);
        syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0);
    }
    return 0;
}
