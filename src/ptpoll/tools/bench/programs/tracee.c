/*
 * A test tracee with one behaviour per subcommand, for the cases a Python
 * tracee cannot produce exactly (a set number of system calls, exec from a
 * non-leader thread, a zombie leader, seccomp, vfork).
 *
 *   tracee syscalls N          N getppid() calls, then exit 0
 *   tracee signal SIG          handler prints "handled SIG"; raise(SIG)
 *   tracee sigstop             raise(SIGSTOP), then print "continued"
 *   tracee fork                fork a child that exits 7; reap it
 *   tracee vfork               vfork a child that _exits 3; reap it
 *   tracee clone-process       clone() (no CLONE_THREAD, exit signal 0)
 *   tracee threads N           N threads, each: getppid(); exit
 *   tracee exec-thread PROG    a non-leader thread execs PROG
 *   tracee zombie-leader       leader pthread_exit()s; a thread exits 5
 *   tracee seccomp             SECCOMP_RET_TRACE for getppid; getppid()
 *   tracee wait-children N     fork N children exiting 0..N-1; wait all
 *   tracee sleep               print "ready", then sleep in pause()
 *   tracee tick                print "ready"; getppid() every 1 ms forever
 *   tracee exit N              exit N
 *   tracee segv                write to address 0
 *   tracee siglat N            print "ready"; for N SIGRTMINs sent by sigqueue
 *                              with the send time (CLOCK_MONOTONIC, ns) as
 *                              value, record receive minus send; print the
 *                              latencies in ns, one a line, and exit
 *   tracee storm T R F         R rounds: start T threads (each: getppid,
 *                              exit) and fork F children (each: _exit 0),
 *                              then join and reap them; print
 *                              "threads N forks M" and exit 0
 *   tracee sigsend PID N US    sigqueue SIGRTMIN to PID N times, every US us
 *                              (a real-time signal: they queue, none merge)
 *   tracee paced T US          T threads, each calling getppid() every US us,
 *                              thread i shifted by i*US/T so that the calls
 *                              are evenly spread; getppid is SECCOMP_RET_TRACE
 *                              (one seccomp stop under TRACESECCOMP, ENOSYS
 *                              while untraced); print "ready"; run until killed
 *   tracee paced-procs P US    the same with P single-threaded child processes
 *                              (killed with their parent)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
say(const char *text)
{
    ssize_t ignored = write(1, text, strlen(text));
    (void)ignored;
}

static void
on_signal(int sig)
{
    char buf[64];
    snprintf(buf, sizeof buf, "handled %d\n", sig);
    say(buf);
}

static void *
thread_syscall(void *arg)
{
    (void)arg;
    syscall(SYS_getppid);
    return NULL;
}

static const char *exec_prog;

static void *
thread_exec(void *arg)
{
    (void)arg;
    execl(exec_prog, exec_prog, (char *)NULL);
    _exit(99);
}

static void *
thread_late_exit(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    syscall(SYS_getppid);
    exit(5);
}

static long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long *latencies;
static volatile long received;

static void
on_timed_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)ctx;
    latencies[received] = now_ns() - (long long)info->si_value.sival_ptr;
    received++;
}

static long long paced_start_ns, paced_period_ns;

static int
trace_getppid(long action)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, (unsigned)action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        return -1;
    return 0;
}

/* getppid() every paced_period_ns from paced_start_ns + offset; a worker
 * that falls behind by more than a period skips ahead, so the rate never
 * exceeds the one asked for. */
static void *
paced_worker(void *arg)
{
    long long offset = (long long)(intptr_t)arg;
    long long next = paced_start_ns + offset;
    for (;;) {
        struct timespec ts = {next / 1000000000LL, next % 1000000000LL};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        syscall(SYS_getppid);
        next += paced_period_ns;
        long long now = now_ns();
        if (next < now - paced_period_ns)
            next = now;
    }
    return NULL;
}

static int
clone_child(void *arg)
{
    (void)arg;
    return 4;
}

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

    if (strcmp(cmd, "syscalls") == 0) {
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        return 0;
    }
    if (strcmp(cmd, "signal") == 0) {
        signal((int)n, on_signal);
        raise((int)n);
        return 0;
    }
    if (strcmp(cmd, "sigstop") == 0) {
        raise(SIGSTOP);
        say("continued\n");
        return 0;
    }
    if (strcmp(cmd, "fork") == 0) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(7);
        int status;
        waitpid(pid, &status, 0);
        return WEXITSTATUS(status) == 7 ? 0 : 1;
    }
    if (strcmp(cmd, "vfork") == 0) {
        pid_t pid = vfork();
        if (pid == 0)
            _exit(3);
        int status;
        waitpid(pid, &status, 0);
        return WEXITSTATUS(status) == 3 ? 0 : 1;
    }
    if (strcmp(cmd, "clone-process") == 0) {
        static char stack[64 * 1024];
        pid_t pid = clone(clone_child, stack + sizeof stack, 0, NULL);
        if (pid < 0)
            return 1;
        int status;
        waitpid(pid, &status, __WALL);
        return 0;
    }
    if (strcmp(cmd, "threads") == 0) {
        pthread_t *threads = calloc((size_t)n, sizeof *threads);
        for (long i = 0; i < n; i++)
            pthread_create(&threads[i], NULL, thread_syscall, NULL);
        for (long i = 0; i < n; i++)
            pthread_join(threads[i], NULL);
        return 0;
    }
    if (strcmp(cmd, "exec-thread") == 0) {
        pthread_t thread;
        exec_prog = argv[2];
        pthread_create(&thread, NULL, thread_exec, NULL);
        for (;;)
            pause();
    }
    if (strcmp(cmd, "zombie-leader") == 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, thread_late_exit, NULL);
        pthread_exit(NULL);
    }
    if (strcmp(cmd, "seccomp") == 0) {
        if (trace_getppid(SECCOMP_RET_TRACE | 42) < 0)
            return 2;
        syscall(SYS_getppid);
        return 0;
    }
    if (strcmp(cmd, "wait-children") == 0) {
        for (long i = 0; i < n; i++) {
            if (fork() == 0)
                _exit((int)i);
        }
        int sum = 0, status;
        for (long i = 0; i < n; i++) {
            if (wait(&status) < 0)
                return 1;
            sum += WEXITSTATUS(status);
        }
        return sum == n * (n - 1) / 2 ? 0 : 1;
    }
    if (strcmp(cmd, "sleep") == 0) {
        say("ready\n");
        for (;;)
            pause();
    }
    if (strcmp(cmd, "tick") == 0) {
        struct timespec ts = {0, 1000 * 1000};
        say("ready\n");
        for (;;) {
            nanosleep(&ts, NULL);
            syscall(SYS_getppid);
        }
    }
    if (strcmp(cmd, "storm") == 0 && argc > 4) {
        long rounds = strtol(argv[3], NULL, 10);
        long forks = strtol(argv[4], NULL, 10);
        long threads_made = 0, forks_made = 0;
        pthread_t *threads = calloc((size_t)n, sizeof *threads);
        for (long r = 0; r < rounds; r++) {
            long made = 0;
            for (long i = 0; i < n; i++) {
                if (pthread_create(&threads[made], NULL, thread_syscall, NULL) == 0)
                    made++;
            }
            for (long i = 0; i < forks; i++) {
                pid_t pid = fork();
                if (pid == 0)
                    _exit(0);
                if (pid > 0)
                    forks_made++;
            }
            for (long i = 0; i < made; i++)
                pthread_join(threads[i], NULL);
            threads_made += made;
            while (waitpid(-1, NULL, 0) > 0)
                ;
        }
        printf("threads %ld forks %ld\n", threads_made, forks_made);
        return 0;
    }
    if (strcmp(cmd, "siglat") == 0) {
        struct sigaction sa;
        sigset_t block, old;
        latencies = calloc((size_t)n + 1, sizeof *latencies);
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_timed_signal;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGRTMIN, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGRTMIN);
        sigprocmask(SIG_BLOCK, &block, &old);
        say("ready\n");
        while (received < n)
            sigsuspend(&old);
        for (long i = 0; i < n; i++)
            printf("%lld\n", latencies[i]);
        return 0;
    }
    if (strcmp(cmd, "sigsend") == 0 && argc > 4) {
        pid_t pid = (pid_t)n;
        long count = strtol(argv[3], NULL, 10);
        long period = strtol(argv[4], NULL, 10) * 1000;
        struct timespec next;
        clock_gettime(CLOCK_MONOTONIC, &next);
        for (long i = 0; i < count; i++) {
            next.tv_nsec += period;
            while (next.tv_nsec >= 1000000000L) {
                next.tv_nsec -= 1000000000L;
                next.tv_sec++;
            }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
            union sigval value;
            value.sival_ptr = (void *)now_ns();
            if (sigqueue(pid, SIGRTMIN, value) < 0)
                return 1;
        }
        return 0;
    }
    if ((strcmp(cmd, "paced") == 0 || strcmp(cmd, "paced-procs") == 0) &&
        argc > 3 && n > 0) {
        pthread_attr_t attr;
        pthread_t thread;
        paced_period_ns = strtol(argv[3], NULL, 10) * 1000LL;
        if (paced_period_ns <= 0 || trace_getppid(SECCOMP_RET_TRACE) < 0)
            return 2;
        paced_start_ns = now_ns() + 20 * 1000 * 1000;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        for (long i = 0; i < n; i++) {
            void *offset = (void *)(intptr_t)(paced_period_ns * i / n);
            if (strcmp(cmd, "paced") == 0) {
                if (pthread_create(&thread, &attr, paced_worker, offset) != 0)
                    return 3;
                continue;
            }
            pid_t pid = fork();
            if (pid < 0)
                return 3;
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                paced_worker(offset);
            }
        }
        say("ready\n");
        for (;;)
            pause();
    }
    if (strcmp(cmd, "exit") == 0)
        return (int)n;
    if (strcmp(cmd, "segv") == 0) {
        *(volatile int *)0 = 1;
        return 0;
    }
    fprintf(stderr, "tracee: unknown command %s\n", cmd);
    return 64;
}
