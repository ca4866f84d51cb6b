/*
 * A workload for the file and descriptor decoders of `ptpoll trace`: each
 * call once as it succeeds and once as it fails (ENOENT, EBADF, EFAULT,
 * EINVAL), with strings longer than strace's default -s 32 and with bytes
 * that need escaping.
 *
 *   trace_files DIR    work in DIR (which must be empty), leave it empty
 *
 * The output of every call must be the same from one run to the next:
 * no times, no sizes of shared file systems, no pids that a tracer could
 * not map. Calls go through syscall() so that the C library chooses
 * neither the call nor its arguments.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)1)

/* Longer than 32 bytes, with every kind of escape strace makes. */
static const char special[] =
    "tab\there \"quoted\" back\\slash nl\n cr\r \001\0022 \177\377 end of it";

static long sc(long nr, long a, long b, long c, long d, long e, long f)
{
    return syscall(nr, a, b, c, d, e, f);
}

#define S0(n) sc(SYS_##n, 0, 0, 0, 0, 0, 0)
#define S1(n, a) sc(SYS_##n, (long)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sc(SYS_##n, (long)(a), (long)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sc(SYS_##n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define S4(n, a, b, c, d) \
    sc(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define S5(n, a, b, c, d, e) \
    sc(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define S6(n, a, b, c, d, e, f)                                              \
    sc(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), \
       (long)(f))

static void open_read_write(void)
{
    char buf[256];
    char longname[300];
    struct iovec iov[3];
    long fd, fd2;

    fd = S3(open, "f1.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    S3(write, fd, "hello world\n", 12);
    S3(write, fd, special, sizeof special);
    S3(write, fd, BAD, 10);
    S3(write, fd, "", 0);
    S3(write, 99, "x", 1);
    S1(fsync, fd);
    S1(fdatasync, fd);
    S1(close, fd);
    S1(close, fd);
    S1(close, -1);

    S3(open, "missing", O_RDONLY, 0);
    S3(open, BAD, O_RDONLY, 0);
    S3(open, NULL, O_RDONLY, 0);
    S3(open, special, O_RDONLY, 0);
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    S3(open, longname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
    S3(open, "missing", O_RDWR | O_APPEND | O_SYNC | O_DSYNC | O_NOATIME, 0);
    S3(open, "missing", 03 | 0x40000000, 0);
    fd = S4(openat, AT_FDCWD, "f1.txt", O_RDONLY | O_CLOEXEC, 0);
    S3(read, fd, buf, 5);
    S3(read, fd, buf, sizeof buf);
    S3(read, fd, buf, sizeof buf);
    S3(read, fd, BAD, 10);
    S3(read, 99, buf, 10);
    S4(pread64, fd, buf, 11, 0);
    S4(pread64, fd, buf, 100, 6);
    S4(pread64, fd, buf, 10, -1);
    S3(lseek, fd, 0, SEEK_SET);
    S3(lseek, fd, 3, SEEK_CUR);
    S3(lseek, fd, -2, SEEK_END);
    S3(lseek, fd, 0, SEEK_DATA);
    S3(lseek, fd, 0, SEEK_HOLE);
    S3(lseek, fd, 0, 17);
    S3(lseek, fd, -5, SEEK_SET);
    iov[0].iov_base = buf;
    iov[0].iov_len = 4;
    iov[1].iov_base = buf + 4;
    iov[1].iov_len = 40;
    iov[2].iov_base = buf + 44;
    iov[2].iov_len = 100;
    S3(lseek, fd, 0, SEEK_SET);
    S3(readv, fd, iov, 3);
    S3(readv, fd, iov, 3);
    S3(readv, fd, BAD, 3);
    S3(readv, 99, iov, 1);
    S1(close, fd);

    fd = S4(openat, AT_FDCWD, "f1.txt", O_RDWR | O_APPEND, 0);
    iov[0].iov_base = "abc";
    iov[0].iov_len = 3;
    iov[1].iov_base = (void *)special;
    iov[1].iov_len = sizeof special - 1;
    iov[2].iov_base = BAD;
    iov[2].iov_len = 0;
    S3(writev, fd, iov, 3);
    S3(writev, fd, iov, 2);
    S3(writev, fd, BAD, 2);
    S3(writev, fd, iov, 0);
    S4(pwrite64, fd, "PW", 2, 100);
    S4(pwrite64, fd, BAD, 2, 100);
    S2(ftruncate, fd, 40);
    S2(ftruncate, fd, -1);
    S2(truncate, "f1.txt", 30);
    S2(truncate, "missing", 30);
    S1(close, fd);

    fd = S2(creat, "f2.txt", 0600);
    S1(close, fd);
    S2(creat, "nodir/f2.txt", 0600);
    fd = S4(openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_PATH, 0);
    fd2 = S4(openat, fd, "f2.txt", O_RDONLY | O_LARGEFILE | O_NOCTTY, 0);
    S1(close, fd2);
    S4(openat, 99, "f2.txt", O_RDONLY, 0);
    fd2 = S4(openat, AT_FDCWD, "created", O_WRONLY | O_CREAT | O_EXCL, 0755);
    S1(close, fd2);
    S4(openat, AT_FDCWD, "created", O_WRONLY | O_CREAT | O_EXCL, 0755);
    S1(unlink, "created");
    fd2 = S4(openat, AT_FDCWD, ".", O_TMPFILE | O_RDWR, 0600);
    S1(close, fd2);
    S1(close, fd);
    {
        struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                               .mode = 0,
                               .resolve = RESOLVE_NO_SYMLINKS |
                                          RESOLVE_BENEATH};
        fd = S4(openat2, AT_FDCWD, "f1.txt", &how, sizeof how);
        S1(close, fd);
        how.flags = O_WRONLY | O_CREAT;
        how.mode = 0640;
        how.resolve = 0;
        S4(openat2, AT_FDCWD, "nodir/x", &how, sizeof how);
        S4(openat2, AT_FDCWD, "f1.txt", BAD, sizeof how);
        S4(openat2, AT_FDCWD, "f1.txt", &how, 8);
    }
}

static void stats(void)
{
    struct stat st;
    struct statx stx;
    struct statfs sfs;
    long fd;

    S2(stat, "f1.txt", &st);
    S2(stat, "missing", &st);
    S2(stat, "f1.txt", BAD);
    S2(lstat, ".", &st);
    S2(lstat, "/dev/null", &st);
    fd = S3(open, "f1.txt", O_RDONLY, 0);
    S2(fstat, fd, &st);
    S2(fstat, 99, &st);
    S4(newfstatat, AT_FDCWD, "f1.txt", &st, 0);
    S4(newfstatat, AT_FDCWD, "f1.txt", &st, AT_SYMLINK_NOFOLLOW);
    S4(newfstatat, fd, "", &st, AT_EMPTY_PATH);
    S4(newfstatat, AT_FDCWD, "missing", &st, AT_NO_AUTOMOUNT | 0x10000);
    S5(statx, AT_FDCWD, "f1.txt", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS,
       &stx);
    S5(statx, fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC,
       STATX_TYPE | STATX_SIZE, &stx);
    S5(statx, AT_FDCWD, "missing", AT_STATX_FORCE_SYNC, STATX_ALL, &stx);
    S5(statx, fd, "", AT_EMPTY_PATH, STATX_ALL, &stx);
    S5(statx, AT_FDCWD, ".", 0, 0x0fff0000, &stx);
    S5(statx, AT_FDCWD, "f1.txt", 0, STATX_ALL, BAD);
    S2(statfs, "/proc", &sfs);
    S2(statfs, "missing", &sfs);
    S2(fstatfs, 99, &sfs);
    S2(fstatfs, fd, BAD);
    S1(close, fd);

    S2(access, "f1.txt", F_OK);
    S2(access, "f1.txt", R_OK | W_OK);
    S2(access, "missing", X_OK);
    S2(access, "f1.txt", 0x10 | R_OK);
    S3(faccessat, AT_FDCWD, "f1.txt", R_OK);
    S3(faccessat, 99, "f1.txt", R_OK);
    S4(faccessat2, AT_FDCWD, "f1.txt", W_OK, AT_EACCESS);
    S4(faccessat2, AT_FDCWD, "missing", F_OK, AT_SYMLINK_NOFOLLOW);
}

static void names(void)
{
    char buf[256];
    long fd;

    S2(mkdir, "d1", 0700);
    S2(mkdir, "d1", 0755);
    S3(mkdirat, AT_FDCWD, "d2", 0700);
    fd = S3(open, "d1", O_RDONLY | O_DIRECTORY, 0);
    S3(mkdirat, fd, "sub", 0777);
    S2(symlink, "f1.txt", "lnk");
    S2(symlink, special, "lnk2");
    S3(symlinkat, "../f1.txt", fd, "lnk");
    S3(symlinkat, "x", 99, "lnk");
    S3(readlink, "lnk", buf, sizeof buf);
    S3(readlink, "lnk2", buf, sizeof buf);
    S3(readlink, "lnk2", buf, 4);
    S3(readlink, "f1.txt", buf, sizeof buf);
    S3(readlink, "lnk", BAD, sizeof buf);
    S4(readlinkat, fd, "lnk", buf, sizeof buf);
    S4(readlinkat, AT_FDCWD, "missing", buf, sizeof buf);
    S2(link, "f1.txt", "hard");
    S2(link, "missing", "hard2");
    S5(linkat, AT_FDCWD, "f1.txt", fd, "hard", AT_SYMLINK_FOLLOW);
    S5(linkat, fd, "", AT_FDCWD, "x", AT_EMPTY_PATH);
    S2(rename, "hard", "hard3");
    S2(rename, "missing", "x");
    S4(renameat, AT_FDCWD, "hard3", fd, "hard3");
    S5(renameat2, fd, "hard3", AT_FDCWD, "hard4", RENAME_NOREPLACE);
    S5(renameat2, AT_FDCWD, "f1.txt", AT_FDCWD, "hard4", RENAME_NOREPLACE);
    S5(renameat2, AT_FDCWD, "f1.txt", AT_FDCWD, "hard4", RENAME_EXCHANGE);
    S5(renameat2, AT_FDCWD, "f1.txt", AT_FDCWD, "hard4", RENAME_EXCHANGE);
    S5(renameat2, AT_FDCWD, "f1.txt", AT_FDCWD, "x", RENAME_WHITEOUT | 8);

    S2(chmod, "f1.txt", 0640);
    S2(chmod, "missing", 04755);
    S2(fchmod, fd, 01777);
    S2(fchmod, 99, 0);
    S4(fchmodat, AT_FDCWD, "f1.txt", 0644, 0);
    S4(fchmodat, fd, "hard", 02644, 0);
    S3(chown, "f1.txt", -1, -1);
    S3(chown, "missing", 0, 0);
    S3(lchown, "lnk", -1, getgid());
    S3(fchown, fd, getuid(), -1);
    S3(fchown, 99, 1, 2);
    S5(fchownat, AT_FDCWD, "lnk", -1, -1, AT_SYMLINK_NOFOLLOW);
    S5(fchownat, fd, "", -1, -1, AT_EMPTY_PATH);

    S1(unlink, "lnk");
    S1(unlink, "lnk2");
    S1(unlink, "missing");
    S1(unlink, "hard4");
    S3(unlinkat, fd, "lnk", 0);
    S3(unlinkat, fd, "sub", AT_REMOVEDIR);
    S3(unlinkat, AT_FDCWD, "d1", AT_REMOVEDIR);
    S3(unlinkat, fd, "hard", 0);
    S1(close, fd);
    S1(rmdir, "d1");
    S1(rmdir, "d2");
    S1(rmdir, "missing");
    S1(rmdir, BAD);

    S1(chdir, "missing");
    S1(chdir, "..");
    S1(chdir, BAD);
    S2(getcwd, buf, sizeof buf);
    S2(getcwd, buf, 1);
    S2(getcwd, BAD, sizeof buf);
    S1(fchdir, 99);
    S1(umask, 022);
    S1(umask, 0777);
    S1(umask, 022);
}

static void dirents(void)
{
    char buf[4096];
    long fd = S3(open, ".", O_RDONLY | O_DIRECTORY, 0);

    S3(getdents64, fd, buf, sizeof buf);
    S3(getdents64, fd, buf, sizeof buf);
    S3(lseek, fd, 0, SEEK_SET);
    S3(getdents, fd, buf, sizeof buf);
    S3(getdents, fd, buf, sizeof buf);
    S3(getdents64, fd, buf, 1);
    S3(getdents64, 99, buf, sizeof buf);
    S3(lseek, fd, 0, SEEK_SET);
    S3(getdents64, fd, BAD, sizeof buf);
    S1(close, fd);
}

static void descriptors(void)
{
    int fds[2];
    long fd, fd2, r;
    struct flock fl;

    S1(pipe, fds);
    S1(pipe, BAD);
    S2(pipe2, fds + 0, 0);
    S2(pipe2, fds, O_CLOEXEC | O_NONBLOCK);
    S2(pipe2, fds, O_DIRECT);
    S2(pipe2, fds, 0x1);
    fd = fds[0];
    fd2 = S1(dup, fd);
    S1(dup, 99);
    S2(dup2, fd, 20);
    S2(dup2, 99, 20);
    S3(dup3, fd, 21, O_CLOEXEC);
    S3(dup3, fd, 21, 0);
    S3(dup3, fd, fd, 0);

    S3(fcntl, fd, F_DUPFD, 30);
    S3(fcntl, fd, F_DUPFD_CLOEXEC, 40);
    S2(fcntl, fd, F_GETFD);
    S3(fcntl, fd, F_SETFD, FD_CLOEXEC);
    S2(fcntl, fd, F_GETFD);
    S3(fcntl, fd, F_SETFD, 0);
    S2(fcntl, fd, F_GETFL);
    S3(fcntl, fd, F_SETFL, O_NONBLOCK | O_APPEND);
    S2(fcntl, fd, F_GETFL);
    S2(fcntl, 99, F_GETFL);
    S2(fcntl, fd, F_GETPIPE_SZ);
    S3(fcntl, fd, F_SETPIPE_SZ, 8192);
    S3(fcntl, fd, F_SETPIPE_SZ, -1);
    S3(fcntl, fd, F_NOTIFY, 0);
    S3(fcntl, fd, 0x7777, 5);
    S3(fcntl, fd, F_SETSIG, SIGUSR1);
    S2(fcntl, fd, F_GETSIG);
    S2(fcntl, fd, F_GETOWN);
    S3(fcntl, fd, F_SETLEASE, F_UNLCK);
    S2(fcntl, fd, F_GETLEASE);
    r = S3(open, "f1.txt", O_RDONLY, 0);
    S3(fcntl, r, F_SETLEASE, F_RDLCK);
    S2(fcntl, r, F_GETLEASE);
    S3(fcntl, r, F_SETLEASE, F_UNLCK);
    S1(close, r);
    S2(fcntl, fd, F_GET_SEALS);

    r = S2(memfd_create, "sealed", 0x2);
    if (r >= 0) {
        S3(fcntl, r, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW);
        S2(fcntl, r, F_GET_SEALS);
        S1(close, r);
    }

    r = S3(open, "f1.txt", O_RDWR, 0);
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 10;
    S3(fcntl, r, F_SETLK, &fl);
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_CUR;
    fl.l_start = 2;
    fl.l_len = 0;
    S3(fcntl, r, F_SETLKW, &fl);
    S3(fcntl, r, F_GETLK, &fl);
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    S3(fcntl, r, F_SETLK, &fl);
    S3(fcntl, r, F_GETLK, BAD);
    S3(fcntl, r, F_OFD_GETLK, &fl);
    S3(fcntl, r, F_SETOWN, 0);
    S3(fcntl, r, F_SETLK, BAD);
    S3(fcntl, r, F_GETFL, 0);
    {
        long out = S4(openat, AT_FDCWD, "f3.txt", O_RDWR | O_CREAT | O_TRUNC,
                      0600);
        long off = 2;
        S4(sendfile, out, r, &off, 5);
        S4(sendfile, out, r, NULL, 7);
        S4(sendfile, out, r, BAD, 7);
        S4(sendfile, out, 99, NULL, 7);
        S1(close, out);
        S1(unlink, "f3.txt");
    }
    S1(close, r);

    S1(close, fd2);
    S3(close_range, 20, 21, 0);
    S3(close_range, 30, 40, CLOSE_RANGE_CLOEXEC);
    S3(close_range, 30, ~0U, CLOSE_RANGE_UNSHARE);
    S3(close_range, 5, 4, 0);
    S1(close, fds[0]);
    S1(close, fds[1]);
}

static void terminals(void)
{
    struct termios tio;
    struct winsize ws;
    int n, zero = 0, one = 1;
    long master, slave, pid;

    master = S3(open, "/dev/ptmx", O_RDWR | O_NOCTTY, 0);
    S3(ioctl, master, TIOCSPTLCK, &zero);
    slave = S3(ioctl, master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    S3(ioctl, slave, TCGETS, &tio);
    S3(ioctl, slave, TCGETS, BAD);
    tio.c_lflag &= ~(ECHO | ICANON);
    tio.c_cc[VMIN] = 1;
    S3(ioctl, slave, TCSETS, &tio);
    S3(ioctl, slave, TCSETSW, &tio);
    S3(ioctl, slave, TCSETSF, &tio);
    S3(ioctl, slave, TCSETS, BAD);
    memset(&ws, 0, sizeof ws);
    ws.ws_row = 24;
    ws.ws_col = 80;
    S3(ioctl, slave, TIOCSWINSZ, &ws);
    S3(ioctl, slave, TIOCGWINSZ, &ws);
    S3(ioctl, slave, TIOCGWINSZ, BAD);
    S3(ioctl, slave, FIONREAD, &n);
    S3(ioctl, slave, FIONBIO, &one);
    S3(ioctl, slave, FIONBIO, &zero);
    S2(ioctl, slave, FIOCLEX);
    S2(ioctl, slave, FIONCLEX);
    S3(ioctl, slave, TCFLSH, TCIOFLUSH);
    S3(ioctl, slave, TCXONC, TCOON);
    S3(ioctl, slave, TIOCGPGRP, &n);
    S3(ioctl, 99, TCGETS, &tio);
    S3(ioctl, master, _IOR(0x12, 0x34, uint64_t), &n);
    S3(ioctl, master, _IOW('x', 0x1, int), &n);
    S3(ioctl, master, _IOWR(0xee, 0x2, char[100]), &n);
    S3(ioctl, master, _IO(0xee, 0x3), 0);
    S3(ioctl, master, 0x1234, 0);
    S3(ioctl, master, 0xdeadbeef, 0);

    /* A controlling terminal needs a session without one. */
    pid = fork();
    if (pid == 0) {
        /* Giving the terminal up sends SIGHUP to the session. */
        signal(SIGHUP, SIG_IGN);
        S0(setsid);
        S3(ioctl, slave, TIOCSCTTY, 0);
        S3(ioctl, slave, TIOCGPGRP, &n);
        S3(ioctl, slave, TIOCSPGRP, &n);
        S2(ioctl, slave, TIOCNOTTY);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    S1(close, slave);
    S1(close, master);
    S3(ioctl, 0 > 1 ? 0 : 99, TIOCGWINSZ, &ws);
}

static void polling(void)
{
    int fds[2];
    struct pollfd pfd[3], many[40];
    struct iovec iov[40];
    sigset_t mask;
    struct {
        const sigset_t *set;
        size_t size;
    } pmask;
    char buf[128];
    int i;
    struct timespec ts = {0, 0};
    struct epoll_event ev, evs[4];
    fd_set rd, wr;
    struct timeval tv = {0, 0};
    long efd, ep;

    S2(pipe2, fds, 0);
    S3(write, fds[1], "x", 1);
    pfd[0].fd = fds[0];
    pfd[0].events = POLLIN | POLLPRI;
    pfd[1].fd = fds[1];
    pfd[1].events = POLLOUT;
    pfd[2].fd = -1;
    pfd[2].events = POLLIN;
    S3(poll, pfd, 3, 0);
    S3(poll, pfd, 1, 0);
    S3(poll, BAD, 1, 0);
    pfd[0].fd = 99;
    S3(poll, pfd, 1, 0);
    pfd[0].fd = fds[0];
    S5(ppoll, pfd, 2, &ts, NULL, 8);
    S5(ppoll, pfd + 2, 1, &ts, NULL, 8);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGTERM);
    S5(ppoll, pfd, 1, NULL, &mask, 8);
    sigfillset(&mask);
    sigdelset(&mask, SIGINT);
    S5(ppoll, pfd, 1, &ts, &mask, 8);
    S5(ppoll, pfd, 1, &ts, BAD, 8);
    for (i = 0; i < 40; i++) {
        many[i].fd = fds[1];
        many[i].events = POLLOUT;
        iov[i].iov_base = "ab";
        iov[i].iov_len = 2;
    }
    S3(poll, many, 40, 0);
    S3(poll, many, 0, 0);
    S3(poll, NULL, 0, 0);
    S3(writev, fds[1], iov, 40);
    S3(read, fds[0], buf, sizeof buf);
    S3(write, fds[1], "x", 1);

    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(fds[0], &rd);
    FD_SET(fds[1], &wr);
    FD_SET(fds[1], &rd);
    S5(select, fds[1] + 1, &rd, &wr, NULL, &tv);
    FD_ZERO(&rd);
    S5(select, fds[1] + 1, &rd, NULL, NULL, &tv);
    S6(pselect6, fds[1] + 1, &rd, &wr, NULL, &ts, NULL);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    pmask.set = &mask;
    pmask.size = 8;
    FD_SET(fds[0], &rd);
    S6(pselect6, fds[1] + 1, &rd, NULL, NULL, NULL, &pmask);
    pmask.set = NULL;
    S6(pselect6, fds[1] + 1, &rd, NULL, NULL, NULL, &pmask);
    S5(select, 2000, BAD, NULL, NULL, NULL);

    efd = S2(eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK);
    S2(eventfd2, 5, EFD_SEMAPHORE);
    S2(eventfd2, 0, 0x1);
    S2(eventfd2, 0, 0x2);
    ep = S1(epoll_create1, EPOLL_CLOEXEC);
    S1(epoll_create1, 0x1);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 0x100000007ULL;
    S4(epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev);
    ev.events = EPOLLOUT;
    ev.data.fd = fds[1];
    S4(epoll_ctl, ep, EPOLL_CTL_ADD, fds[1], &ev);
    S4(epoll_ctl, ep, EPOLL_CTL_MOD, fds[1], &ev);
    S4(epoll_ctl, ep, EPOLL_CTL_DEL, fds[1], NULL);
    S4(epoll_ctl, ep, EPOLL_CTL_ADD, 99, &ev);
    S4(epoll_ctl, ep, EPOLL_CTL_ADD, fds[1], BAD);
    S4(epoll_wait, ep, evs, 4, 0);
    S4(epoll_wait, ep, evs, 4, 0);
    ev.events = EPOLLOUT;
    ev.data.u64 = 12;
    S4(epoll_ctl, ep, EPOLL_CTL_ADD, fds[1], &ev);
    ev.events = EPOLLIN;
    S4(epoll_ctl, ep, EPOLL_CTL_MOD, fds[0], &ev);
    S4(epoll_wait, ep, evs, 4, 0);
    S4(epoll_wait, ep, BAD, 4, 0);
    S4(epoll_wait, 99, evs, 4, 0);
    S6(epoll_pwait, ep, evs, 4, 0, NULL, 8);
    S1(close, ep);
    S1(close, efd);
    S1(close, fds[0]);
    S1(close, fds[1]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: trace_files DIR\n");
        return 2;
    }
    if (chdir(argv[1]) != 0) {
        perror(argv[1]);
        return 2;
    }
    open_read_write();
    stats();
    names();
    /* names() left us in the parent directory. */
    S1(chdir, argv[1]);
    dirents();
    descriptors();
    terminals();
    polling();
    S1(unlink, "f1.txt");
    S1(unlink, "f2.txt");
    return 0;
}
