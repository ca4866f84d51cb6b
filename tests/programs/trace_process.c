/* Workload for the memory, process and signal decoders of `ptpoll trace`.
 *
 * Every call here has an outcome that does not depend on timing, so that
 * strace's trace and ours can be compared line by line. Calls whose output
 * does depend on the clock (clock_gettime, rusage) are still made; the
 * test masks their numbers. Argument "exec-child" is the program execed by
 * the process part; "segv", "bus"... crash on purpose (run as children).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define ARCH_GET_FS 0x1003

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
    return syscall(nr, a, b, c, d, e, f);
}

/* --- memory --------------------------------------------------------- */

static void memory_part(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;

    int fd = open("/proc/self/exe", O_RDONLY);
    void *f = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
    munmap(f, page);
    close(fd);

    mmap(p, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
         -1, 0);                                             /* EEXIST */
    mmap(NULL, page, PROT_READ, MAP_PRIVATE, 999, 0);        /* EBADF */
    mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* EINVAL */
    void *h = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << 26),
                   -1, 0);
    if (h != MAP_FAILED)
        munmap(h, 2 << 20);
    void *s = mmap(NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE |
                       MAP_POPULATE | MAP_GROWSDOWN,
                   -1, 0);
    munmap(s, page);
    s = mmap(NULL, page, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS | MAP_LOCKED | MAP_32BIT, -1, 0);
    munmap(s, page);

    mprotect(p, page, PROT_NONE);
    mprotect(p, page, PROT_READ | PROT_EXEC | PROT_GROWSDOWN);  /* EINVAL */
    mprotect(p + 1, page, PROT_READ);                           /* EINVAL */
    mprotect(p, page, PROT_READ | PROT_WRITE);

    madvise(p, 2 * page, MADV_DONTNEED);
    madvise(p, 2 * page, MADV_WILLNEED);
    madvise(p, 2 * page, MADV_HUGEPAGE);
    madvise(p, 2 * page, MADV_DONTFORK);
    madvise(p, 2 * page, MADV_DOFORK);
    madvise(p, 2 * page, 12345);                               /* EINVAL */

    msync(p, page, MS_SYNC | MS_INVALIDATE);
    msync(p, page, MS_ASYNC);
    msync(p + 1, page, MS_SYNC);                               /* EINVAL */

    unsigned char vec[4];
    p[0] = 2;
    mincore(p, 2 * page, vec);
    mincore(p + 1, page, vec);                                 /* EINVAL */

    mlock(p, page);
    munlock(p, page);
    sys(SYS_mlock2, (long)p, page, 1 /* MLOCK_ONFAULT */, 0, 0, 0);
    munlock(p, page);
    mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
    munlockall();
    mlockall(0);                                               /* EINVAL */

    char *q = mremap(p, 2 * page, 4 * page, MREMAP_MAYMOVE);
    mremap(q, page, page, 99);                                 /* EINVAL */
    munmap(q, 4 * page);
    munmap(q + 1, page);                                       /* EINVAL */

    /* every flag at once, to pin the order names are printed in */
    sys(SYS_mmap, 0, page, 0x3f | 0x3000000,
        0x3 | 0x10 | 0x20 | 0x40 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 |
            0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x100000 |
            0x4000000 | 0x80,
        -1, 0);
    sys(SYS_mremap, (long)p, page, page, 7, (long)p + 8 * page, 0);
    sys(SYS_mremap, (long)p, page, page, 0x1000, 0, 0);
    void *cur = (void *)sys(SYS_brk, 0, 0, 0, 0, 0, 0);
    sys(SYS_brk, (long)cur + 4 * page, 0, 0, 0, 0, 0);
    sys(SYS_brk, (long)cur, 0, 0, 0, 0, 0);
}

/* --- simple process calls --------------------------------------------- */

static void info_part(void)
{
    struct utsname u;
    struct rlimit rl;
    struct timespec ts;
    unsigned char buf[16];
    cpu_set_t cpus;
    unsigned long fs;
    char name[16];

    getpid();
    getppid();
    sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
    getuid();
    geteuid();
    getgid();
    getegid();
    uname(&u);
    sys(SYS_uname, 0, 0, 0, 0, 0, 0);                          /* EFAULT */
    getrandom(buf, sizeof buf, 0);
    getrandom(buf, sizeof buf, GRND_NONBLOCK | GRND_RANDOM);
    getrandom(buf, sizeof buf, 0x40);                          /* EINVAL */
    sched_yield();
    sched_getaffinity(0, sizeof cpus, &cpus);
    sched_getaffinity(0, 1, &cpus);                            /* EINVAL */

    sys(SYS_getrlimit, RLIMIT_NOFILE, (long)&rl, 0, 0, 0, 0);
    sys(SYS_prlimit64, 0, RLIMIT_STACK, 0, (long)&rl, 0, 0);
    rl.rlim_cur = 0;
    rl.rlim_max = RLIM_INFINITY;
    sys(SYS_setrlimit, RLIMIT_CORE, (long)&rl, 0, 0, 0, 0);
    rl.rlim_cur = 4096 * 1024;
    sys(SYS_prlimit64, 0, RLIMIT_MEMLOCK, (long)&rl, (long)&rl, 0, 0);
    sys(SYS_prlimit64, 0, 99, 0, (long)&rl, 0, 0);             /* EINVAL */
    sys(SYS_prlimit64, 0x7ffffff0, RLIMIT_CPU, 0, (long)&rl, 0, 0); /* ESRCH */
    sys(SYS_getrlimit, RLIMIT_AS, 0, 0, 0, 0, 0);               /* EFAULT */

    sys(SYS_arch_prctl, ARCH_GET_FS, (long)&fs, 0, 0, 0, 0);
    sys(SYS_arch_prctl, 0x9999, 0, 0, 0, 0, 0);                /* EINVAL */

    prctl(PR_SET_NAME, "tp-worker-with-a-long-name", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    int pdeath;
    prctl(PR_GET_PDEATHSIG, &pdeath, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    prctl(PR_GET_CHILD_SUBREAPER, &pdeath, 0, 0, 0);
    prctl(9999, 1, 2, 3, 4);                                   /* EINVAL */

    sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
    sys(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0, 0, 0);
    sys(SYS_clock_gettime, 99, (long)&ts, 0, 0, 0, 0);          /* EINVAL */
    sys(SYS_clock_getres, CLOCK_BOOTTIME, (long)&ts, 0, 0, 0, 0);
    ts.tv_sec = 0;
    ts.tv_nsec = 1000;
    nanosleep(&ts, NULL);
    sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ts, 0, 0, 0);
    ts.tv_sec = 1;
    ts.tv_nsec = 0;
    sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&ts, 0, 0,
        0);
    ts.tv_nsec = 2000000000;
    nanosleep(&ts, NULL);                                      /* EINVAL */
    struct timespec rem;
    ts.tv_sec = 0;
    ts.tv_nsec = 1000;
    nanosleep(&ts, &rem);
    sys(SYS_clock_gettime, -6, (long)&ts, 0, 0, 0, 0);  /* this thread's CPU */
    sys(SYS_clock_getres, -2, (long)&ts, 0, 0, 0, 0);   /* this process's */
    sys(SYS_clock_getres, ~(4321 << 3) | 3, (long)&ts, 0, 0, 0, 0); /* fd */
}

/* --- signals -------------------------------------------------------- */

static volatile sig_atomic_t got;

static void on_signal(int sig, siginfo_t *info, void *uc)
{
    (void)info;
    (void)uc;
    got = sig;
}

static void on_plain(int sig) { got = sig; }

static void signal_part(void)
{
    struct sigaction sa, old;
    sigset_t set, prev;
    siginfo_t si;
    struct timespec ts = {0, 1000};

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, &old);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESETHAND;
    sigfillset(&sa.sa_mask);
    sigaction(SIGRTMIN + 2, &sa, NULL);
    sigaction(SIGRTMIN + 2, NULL, &old);
    signal(SIGUSR2, on_plain);
    signal(SIGHUP, SIG_IGN);
    signal(SIGHUP, SIG_DFL);
    sigaction(SIGKILL, &sa, NULL);                             /* EINVAL */
    sys(SYS_rt_sigaction, SIGUSR2, 0, 0, 4, 0, 0);             /* EINVAL */

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMAX);
    sigprocmask(SIG_BLOCK, &set, &prev);
    sigfillset(&set);
    sigdelset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_SETMASK, &set, NULL);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    sigprocmask(SIG_UNBLOCK, NULL, &prev);
    sys(SYS_rt_sigprocmask, 7, 0, 0, 8, 0, 0);                 /* EINVAL */
    unsigned long raw = 0xffffffffUL;
    sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&raw, 0, 8, 0, 0);
    raw = 0x1ffffffffUL;
    sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&raw, 0, 8, 0, 0);
    raw = 0;
    sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&raw, 0, 8, 0, 0);
    sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&raw, 0, 16, 0, 0);
    sys(SYS_rt_sigprocmask, SIG_SETMASK, 8, 0, 8, 0, 0);       /* EFAULT */
    sa.sa_flags = SA_NOCLDSTOP | SA_NOCLDWAIT | 0x400 | 0x800 | SA_RESTART;
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sys(SYS_rt_sigaction, SIGCHLD, 8, 0, 8, 0, 0);             /* EFAULT */

    kill(getpid(), SIGUSR1);
    sys(SYS_tgkill, getpid(), sys(SYS_gettid, 0, 0, 0, 0, 0, 0), SIGUSR1, 0,
        0, 0);
    sys(SYS_tkill, sys(SYS_gettid, 0, 0, 0, 0, 0, 0), SIGUSR2, 0, 0, 0, 0);
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGRTMIN + 2, v);
    kill(getpid(), 0);
    kill(0x7ffffff0, SIGTERM);                                 /* ESRCH */
    kill(getpid(), 99);                                        /* EINVAL */

    /* a pending signal taken by rt_sigtimedwait, then a timeout */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &prev);
    raise(SIGUSR2);
    sigtimedwait(&set, &si, &ts);
    sigtimedwait(&set, &si, &ts);                              /* EAGAIN */

    /* rt_sigsuspend: the signal is pending before the call */
    kill(getpid(), SIGUSR2);
    sigsuspend(&prev);

    stack_t ss = {0}, oss;
    ss.ss_sp = malloc(65536);
    ss.ss_size = 65536;
    sigaltstack(&ss, &oss);
    sigaltstack(NULL, &oss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    ss.ss_flags = 0;
    ss.ss_size = 10;
    sigaltstack(&ss, NULL);                                    /* ENOMEM */
    sigprocmask(SIG_SETMASK, &prev, NULL);
}

/* --- futexes -------------------------------------------------------- */

static uint32_t word = 5, word2 = 0;

static void futex_part(void)
{
    struct timespec ts = {0, 1000};
    sys(SYS_futex, (long)&word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
    sys(SYS_futex, (long)&word, FUTEX_WAIT_PRIVATE, 4, (long)&ts, 0, 0);
    sys(SYS_futex, (long)&word, FUTEX_WAIT, 5, (long)&ts, 0, 0);
    sys(SYS_futex, (long)&word, FUTEX_WAIT_BITSET_PRIVATE, 5, (long)&ts, 0,
        FUTEX_BITSET_MATCH_ANY);
    sys(SYS_futex, (long)&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5,
        0, 0, 0);                                              /* EINVAL */
    sys(SYS_futex, (long)&word, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 0x0f);
    sys(SYS_futex, (long)&word, FUTEX_REQUEUE_PRIVATE, 1, 2, (long)&word2, 0);
    sys(SYS_futex, (long)&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2,
        (long)&word2, 5);
    sys(SYS_futex, (long)&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, (long)&word2,
        FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0));
    sys(SYS_futex, (long)&word, 99, 0, 0, 0, 0);               /* ENOSYS */
}

/* --- threads -------------------------------------------------------- */

static void *thread_main(void *arg)
{
    (void)arg;
    sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
    sys(SYS_futex, (long)&word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    return NULL;
}

static void thread_part(void)
{
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
}

/* --- crafted siginfo ------------------------------------------------- *
 * A process may queue any siginfo to itself (rt_sigqueueinfo(2)), so each
 * si_code family strace knows can be shown without faulting for real. */

static void queue(int sig, int code, int err, const long *words, int n)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = code;
    si.si_errno = err;
    memcpy((char *)&si + 16, words, n * sizeof(long));
    sys(SYS_rt_sigqueueinfo, getpid(), sig, (long)&si, 0, 0, 0);
}

#define Q(sig, code, err, ...)                                               \
    do {                                                                     \
        long w[] = {__VA_ARGS__};                                            \
        queue(sig, code, err, w, sizeof w / sizeof *w);                      \
    } while (0)
#define PAIR(lo, hi) (((long)(hi) << 32) | (unsigned)(lo))

static void siginfo_part(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL);
    sigaction(SIGRTMIN + 5, &sa, NULL);

    /* SIGCHLD: status is an exit code or a signal */
    Q(SIGCHLD, CLD_EXITED, 0, PAIR(1234, 1000), 3, 4, 5);
    Q(SIGCHLD, CLD_KILLED, 0, PAIR(1234, 0), 9, 0, 0);
    Q(SIGCHLD, CLD_DUMPED, 0, PAIR(1234, 0), 11, 0, 0);
    Q(SIGCHLD, CLD_TRAPPED, 0, PAIR(1234, 0), 5, 0, 0);
    Q(SIGCHLD, CLD_STOPPED, 0, PAIR(1234, 0), 19, 0, 0);
    Q(SIGCHLD, CLD_CONTINUED, 0, PAIR(1234, 0), 18, 0, 0);
    Q(SIGCHLD, CLD_EXITED, 0, PAIR(1234, 0), 300, 0, 0);
    Q(SIGCHLD, 99, 0, PAIR(1234, 0), 3, 0, 0);
    /* faults: an address */
    for (int c = 1; c <= 10; c++) {
        Q(SIGSEGV, c, 0, 0x1000 * c);
        Q(SIGBUS, c, 0, 0x1000 * c);
        Q(SIGILL, c, 0, 0x1000 * c);
    }
    for (int c = 1; c <= 16; c++)
        Q(SIGFPE, c, 0, 0);
    for (int c = 1; c <= 7; c++)
        Q(SIGTRAP, c, 0, 0x4000);
    Q(SIGTRAP, SI_KERNEL, 0, 0);
    Q(SIGSEGV, SI_KERNEL, 0, 0);
    /* SIGPOLL: band and fd */
    for (int c = 1; c <= 7; c++)
        Q(SIGIO, c, 0, 65, 3);
    /* SIGSYS: the call, its number and architecture */
    Q(SIGSYS, 1, 0, 0x401000, PAIR(39, 0xc000003e));
    Q(SIGSYS, 1, 0, 0x401000, PAIR(20, 0x40000003));
    Q(SIGSYS, 1, 0, 0x401000, PAIR(9999, 0xc000003e));
    Q(SIGSYS, 1, 0, 0x401000, PAIR(39, 0x1234));
    Q(SIGSYS, 2, 0, 0x401000, PAIR(39, 0xc000003e));
    Q(SIGSYS, 1, 13, 0x401000, PAIR(1, 0xc000003e));
    /* from user space: sender, and a value when there is one */
    Q(SIGUSR1, SI_QUEUE, 0, PAIR(1234, 1000), 0);
    Q(SIGUSR1, SI_QUEUE, 0, PAIR(1234, 1000), -1);
    Q(SIGUSR1, SI_TIMER, 0, PAIR(3, 2), 0x7f0000001234);
    Q(SIGUSR1, SI_TIMER, 0, PAIR(0, 0), 0);
    Q(SIGUSR1, SI_MESGQ, 0, PAIR(1234, 1000), 5);
    Q(SIGUSR1, SI_ASYNCIO, 0, PAIR(1234, 1000), 0);
    Q(SIGUSR1, SI_SIGIO, 0, PAIR(1234, 1000), 7);
    Q(SIGUSR1, SI_ASYNCNL, 0, PAIR(1234, 1000), 7);
    Q(SIGUSR1, -7, 0, PAIR(1234, 1000), 7);
    Q(SIGUSR1, -99, 0, PAIR(1234, 1000), 7);
    Q(SIGUSR1, SI_USER, 0, PAIR(1234, 1000), 7);
    Q(SIGUSR1, SI_TKILL, 0, PAIR(1234, 1000), 7);
    Q(SIGRTMIN + 5, SI_QUEUE, 0, PAIR(1234, 1000), 0x100000005);
    /* from the kernel, with no family of its own */
    Q(SIGUSR2, SI_KERNEL, 0, 0, 0);
    Q(SIGUSR2, SI_KERNEL, 0, PAIR(1, 2), 3);
    Q(SIGUSR2, 5, 0, PAIR(0, 0), 3);
    Q(SIGUSR2, 32767, 0, PAIR(1, 2), 3);
    Q(SIGPROF, 1, 0, PAIR(1, 2), 3);
    Q(SIGALRM, SI_USER, 2, PAIR(1, 2));
    Q(SIGALRM, SI_USER, 9999, PAIR(1, 2));
    Q(SIGALRM, SI_USER, -3, PAIR(1, 2));
    Q(SIGWINCH, SI_USER, 0, PAIR(-5, -1));

    /* signal numbers past the named ones */
    struct sigaction old;
    for (int s = 30; s <= 36; s++)
        sys(SYS_rt_sigaction, s, 0, (long)&old, 8, 0, 0);
    for (int s = 62; s <= 66; s++)
        sys(SYS_rt_sigaction, s, 0, (long)&old, 8, 0, 0);
    sys(SYS_rt_sigaction, 0, 0, (long)&old, 8, 0, 0);
    sigset_t set;
    sigemptyset(&set);
    for (int s = 30; s <= 64; s += 1)
        sigaddset(&set, s);
    sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8, 0, 0);
    sigemptyset(&set);
    sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&set, 0, 8, 0, 0);

    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
}

/* --- children ------------------------------------------------------- */

static void crash(const char *how)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    if (strcmp(how, "segv") == 0) {
        *(volatile int *)0 = 1;
    } else if (strcmp(how, "accerr") == 0) {
        char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        *(volatile char *)(p + 16) = 1;
    } else if (strcmp(how, "bus") == 0) {
        int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
        char *p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
        (void)*(volatile char *)(p + 4096);
    } else if (strcmp(how, "fpe") == 0) {
        volatile int zero = 0, result;
        result = 100 / zero;
        (void)result;
    } else if (strcmp(how, "ill") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(how, "trap") == 0) {
        __asm__ volatile("int3");
    } else if (strcmp(how, "abort") == 0) {
        abort();
    } else if (strcmp(how, "sys") == 0) {
        struct sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                     offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 7),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {4, filter};
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
        sys(SYS_getppid, 0, 0, 0, 0, 0, 0);
    } else if (strcmp(how, "timer") == 0) {
        struct sigevent ev = {0};
        timer_t timer;
        struct itimerspec its = {{0, 0}, {0, 1000}};
        ev.sigev_notify = SIGEV_SIGNAL;
        ev.sigev_signo = SIGALRM;
        ev.sigev_value.sival_int = 77;
        timer_create(CLOCK_MONOTONIC, &ev, &timer);
        timer_settime(timer, 0, &its, NULL);
        pause();
    } else if (strcmp(how, "io") == 0) {
        int fds[2];
        pipe(fds);
        fcntl(fds[0], F_SETOWN, getpid());
        fcntl(fds[0], F_SETSIG, SIGIO);
        fcntl(fds[0], F_SETFL, O_ASYNC);
        write(fds[1], "x", 1);
        pause();
    }
    _exit(1);
}

static void spawn_crash(const char *self, const char *how)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)self, (char *)how, NULL};
        execv(self, argv);
        _exit(127);
    }
    int status;
    wait4(pid, &status, 0, NULL);
}

static void process_part(const char *self)
{
    int status;
    int fds[2];
    extern char **environ;

    /* fork + exit code */
    pid_t pid = fork();
    if (pid == 0)
        _exit(3);
    wait4(pid, &status, 0, NULL);

    /* a child waiting on a pipe: WNOHANG sees nothing, then it is killed */
    /* the child says it is ready before blocking, so that its calls up
       to the blocking one are made before the kill, whatever the timing */
    int ready[2];
    char c;
    pipe(fds);
    pipe(ready);
    pid = fork();
    if (pid == 0) {
        write(ready[1], "r", 1);
        read(fds[0], &c, 1);
        _exit(0);
    }
    read(ready[0], &c, 1);
    wait4(pid, &status, WNOHANG, NULL);
    kill(pid, SIGTERM);
    wait4(pid, &status, __WALL, NULL);
    close(fds[0]);
    close(fds[1]);
    wait4(-1, &status, WNOHANG, NULL);                         /* ECHILD */

    /* rusage, and waitid */
    pid = fork();
    if (pid == 0)
        _exit(0);
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    pid = fork();
    if (pid == 0)
        _exit(7);
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED);
    waitid(P_ALL, 0, &si, WEXITED | WNOHANG);                 /* ECHILD */

    /* vfork */
    pid = vfork();
    if (pid == 0)
        _exit(0);
    wait4(pid, &status, 0, NULL);

    /* a raw clone reporting the child's pid to the parent */
    pid_t ptid = 0;
    pid = sys(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, (long)&ptid, 0, 0,
              0);
    if (pid == 0)
        sys(SYS_exit, 0, 0, 0, 0, 0, 0);
    wait4(pid, &status, 0, NULL);

    /* every clone flag: refused, but printed */
    sys(SYS_clone, ~0xffL & 0xffffffffL, 0, 0, 0, 0, 0);
    sys(SYS_clone, CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID |
        CLONE_CHILD_CLEARTID | SIGUSR1, 0x1000, 0x2000, 0x3000, 0x4000, 0);

    /* pidfd */
    pid = fork();
    if (pid == 0) {
        write(ready[1], "r", 1);
        pause();
        _exit(0);
    }
    read(ready[0], &c, 1);
    int pfd = sys(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
    sys(SYS_pidfd_send_signal, pfd, SIGKILL, 0, 0, 0, 0);
    waitid(P_PIDFD, pfd, &si, WEXITED);
    close(pfd);
    sys(SYS_pidfd_open, 0x7ffffff0, 0, 0, 0, 0, 0);            /* ESRCH */

    /* exec: failing, then succeeding with long and many arguments */
    pid = fork();
    if (pid == 0) {
        char *argv[] = {"trace_process", "a", NULL};
        execve("/nonexistent/program", argv, environ);
        sys(SYS_execveat, AT_FDCWD, (long)"/nonexistent/too", (long)argv,
            (long)environ, 0, 0);
        char *many[] = {(char *)self, "exec-child",
                        "an argument longer than thirty-two bytes",
                        "tab\there", "", "5", "6", "7", "8", "9", "10", "11",
                        "12", "13", "14", "15", "16", "17", "18", "19", "20",
                        "21", "22", "23", "24", "25", "26", "27", "28", "29",
                        "30", "31", "32", "33", "34", "35", NULL};
        char *env[] = {"A=1", "B=2", NULL};
        execve(self, many, env);
        _exit(127);
    }
    wait4(pid, &status, 0, NULL);
    pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)self, "exec-child", NULL};
        int fd = open(self, O_RDONLY);
        sys(SYS_execveat, fd, (long)"", (long)argv, (long)environ,
            AT_EMPTY_PATH, 0);
        _exit(127);
    }
    wait4(pid, &status, 0, NULL);

    static const char *crashes[] = {"segv", "accerr", "bus", "fpe", "ill",
                                    "trap", "abort", "sys", "timer", "io"};
    for (size_t i = 0; i < sizeof crashes / sizeof *crashes; i++)
        spawn_crash(self, crashes[i]);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "exec-child") == 0)
            return 0;
        crash(argv[1]);
    }
    siginfo_part();
    memory_part();
    info_part();
    signal_part();
    futex_part();
    thread_part();
    process_part(argv[0]);
    sys(SYS_set_tid_address, (long)&word2, 0, 0, 0, 0, 0);
    sys(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    return 0;
}
