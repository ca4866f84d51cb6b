/* A multi-threaded program whose system calls are the same on every run:
 * threads are started one at a time, each does a fixed set of calls, and
 * main joins each before starting the next. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *
work(void *arg)
{
    long n = (long)arg;
    struct stat st;
    int fd = open("/dev/null", O_WRONLY);
    write(fd, "thread\n", 7);
    fstat(fd, &st);
    close(fd);
    syscall(SYS_getppid);
    stat("/nonexistent/thread", &st);
    return (void *)n;
}

int
main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 4;
    for (long i = 0; i < count; i++) {
        pthread_t t;
        void *ret;
        if (pthread_create(&t, NULL, work, (void *)i) != 0)
            return 1;
        pthread_join(t, &ret);
    }
    return 7;
}
