/*
 * ptpoll.linux._spawn: create a child that waits before exec.
 *
 * Why C: between fork and exec a child of a threaded program may only call
 * async-signal-safe functions (another thread may hold any lock at fork
 * time), so the child half cannot run Python.  The child made here sets up
 * its standard descriptors and directory, then blocks reading one byte from
 * a pipe.  The tracer seizes it while it waits, writes the byte, and the
 * child execs: the exec is the first thing the tracer sees.  If every exec
 * fails, the child writes (stage, errno) to the error pipe and exits 127.
 *
 * The child is made with the raw clone system call, not fork(3), so no
 * pthread_atfork handler of any library runs in either process.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Stages reported through the error pipe. */
#define STAGE_EXEC 1
#define STAGE_CHDIR 2
#define STAGE_FDS 3
#define STAGE_GO 4
#define STAGE_SECCOMP 5

static void
report_and_exit(int err_fd, int32_t stage, int32_t err)
{
    int32_t msg[2] = {stage, err};
    ssize_t ignored = write(err_fd, msg, sizeof msg);
    (void)ignored;
    _exit(127);
}

/* Runs in the child: async-signal-safe calls only. */
static void
child_exec(char *const *paths, Py_ssize_t npaths, char *const *argv,
           char *const *envp, const char *cwd, const int *std_fds,
           int go_fd, int err_fd, const struct sock_fprog *filter)
{
    sigset_t all;
    int moved[3];
    int i;
    char go;
    ssize_t n;
    int saved = ENOENT;

    /* A handler or mask of the parent's thread must not reach the program:
     * restore what exec would not (ignored SIGPIPE and SIGXFSZ, as the
     * subprocess module does, and the signal mask). */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);

    /* A parent with a standard descriptor closed hands us pipes numbered
     * 0..2: move them away before the dup2s below overwrite them. */
    if (err_fd < 3 && (err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, 3)) < 0)
        _exit(127);
    if (go_fd < 3 && (go_fd = fcntl(go_fd, F_DUPFD_CLOEXEC, 3)) < 0)
        report_and_exit(err_fd, STAGE_FDS, errno);

    /* Move sources above 2 first, so that dup2 into 0..2 never overwrites
     * a source still to be copied. */
    for (i = 0; i < 3; i++) {
        moved[i] = -1;
        if (std_fds[i] >= 0) {
            moved[i] = fcntl(std_fds[i], F_DUPFD_CLOEXEC, 3);
            if (moved[i] < 0)
                report_and_exit(err_fd, STAGE_FDS, errno);
        }
    }
    for (i = 0; i < 3; i++) {
        if (moved[i] >= 0 && dup2(moved[i], i) < 0)
            report_and_exit(err_fd, STAGE_FDS, errno);
    }

    if (cwd != NULL && chdir(cwd) < 0)
        report_and_exit(err_fd, STAGE_CHDIR, errno);

    do {
        n = read(go_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        report_and_exit(err_fd, STAGE_GO, n < 0 ? errno : 0);

    /* The filter goes in only now that the tracer is attached: a
     * SECCOMP_RET_TRACE without a tracer fails the call with ENOSYS.
     * Without CAP_SYS_ADMIN the kernel wants no_new_privs first. */
    if (filter != NULL
        && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) < 0) {
        if (errno != EACCES
            || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
            || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) < 0)
            report_and_exit(err_fd, STAGE_SECCOMP, errno);
    }

    for (i = 0; i < npaths; i++) {
        execve(paths[i], argv, envp);
        /* As execvp(3): keep the most telling error, not the last one. */
        if (errno != ENOENT && errno != ENOTDIR)
            saved = errno;
    }
    report_and_exit(err_fd, STAGE_EXEC, saved);
}

/* Convert a sequence of bytes into a NULL-terminated char* array that
 * borrows from *keep (a new list holding the bytes objects). */
static char **
to_argv(PyObject *seq, PyObject **keep, Py_ssize_t *count)
{
    PyObject *fast = PySequence_Fast(seq, "expected a sequence of bytes");
    Py_ssize_t n, i;
    char **out;

    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    out = PyMem_Calloc((size_t)n + 1, sizeof(char *));
    if (out == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyBytes_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "expected bytes in the sequence");
            PyMem_Free(out);
            Py_DECREF(fast);
            return NULL;
        }
        if (strlen(PyBytes_AS_STRING(item)) != (size_t)PyBytes_GET_SIZE(item)) {
            PyErr_SetString(PyExc_ValueError, "embedded null byte");
            PyMem_Free(out);
            Py_DECREF(fast);
            return NULL;
        }
        out[i] = PyBytes_AS_STRING(item);
    }
    *keep = fast;
    if (count != NULL)
        *count = n;
    return out;
}

PyDoc_STRVAR(fork_exec_doc,
"fork_exec(paths, argv, envp, cwd, stdin, stdout, stderr, go_fd, err_fd,\n"
"          filter) -> pid\n\n"
"Start a child that sets up fds 0-2 (-1 leaves one as it is) and cwd\n"
"(None leaves it), waits for one byte on go_fd, installs the seccomp\n"
"filter (bytes of struct sock_filter, or None), then tries execve on each\n"
"of paths in turn.  On failure the child writes two native int32s\n"
"(stage, errno) to err_fd and exits 127.  Raises OSError if the child\n"
"cannot be created.");

static PyObject *
fork_exec(PyObject *self, PyObject *args)
{
    PyObject *paths_obj, *argv_obj, *envp_obj, *cwd_obj, *filter_obj;
    struct sock_fprog fprog, *filter = NULL;
    PyObject *keep_paths = NULL, *keep_argv = NULL, *keep_envp = NULL;
    char **paths = NULL, **argv = NULL, **envp = NULL;
    Py_ssize_t npaths = 0;
    const char *cwd = NULL;
    int std_fds[3], go_fd, err_fd;
    long pid;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "OOOOiiiiiO", &paths_obj, &argv_obj, &envp_obj,
                          &cwd_obj, &std_fds[0], &std_fds[1], &std_fds[2],
                          &go_fd, &err_fd, &filter_obj))
        return NULL;
    if (filter_obj != Py_None) {
        Py_ssize_t size;
        if (!PyBytes_Check(filter_obj)) {
            PyErr_SetString(PyExc_TypeError, "filter must be bytes or None");
            return NULL;
        }
        size = PyBytes_GET_SIZE(filter_obj);
        if (size == 0 || size % sizeof(struct sock_filter) != 0
            || size / (Py_ssize_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
            PyErr_SetString(PyExc_ValueError,
                            "filter must hold 1 to 4096 struct sock_filter");
            return NULL;
        }
        fprog.len = (unsigned short)(size / sizeof(struct sock_filter));
        fprog.filter = (struct sock_filter *)PyBytes_AS_STRING(filter_obj);
        filter = &fprog;
    }
    if (cwd_obj != Py_None) {
        if (!PyBytes_Check(cwd_obj)) {
            PyErr_SetString(PyExc_TypeError, "cwd must be bytes or None");
            return NULL;
        }
        cwd = PyBytes_AS_STRING(cwd_obj);
    }
    paths = to_argv(paths_obj, &keep_paths, &npaths);
    if (paths == NULL)
        goto done;
    argv = to_argv(argv_obj, &keep_argv, NULL);
    if (argv == NULL)
        goto done;
    envp = to_argv(envp_obj, &keep_envp, NULL);
    if (envp == NULL)
        goto done;

    pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
    if (pid == 0)
        child_exec(paths, npaths, argv, envp, cwd, std_fds, go_fd, err_fd,
                   filter);
    if (pid < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        goto done;
    }
    result = PyLong_FromLong(pid);

done:
    PyMem_Free(paths);
    PyMem_Free(argv);
    PyMem_Free(envp);
    Py_XDECREF(keep_paths);
    Py_XDECREF(keep_argv);
    Py_XDECREF(keep_envp);
    return result;
}

static PyMethodDef methods[] = {
    {"fork_exec", fork_exec, METH_VARARGS, fork_exec_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "ptpoll.linux._spawn",
    "Start a child that waits for its tracer before exec.", -1, methods,
};

PyMODINIT_FUNC
PyInit__spawn(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "STAGE_EXEC", STAGE_EXEC) < 0 ||
        PyModule_AddIntConstant(m, "STAGE_CHDIR", STAGE_CHDIR) < 0 ||
        PyModule_AddIntConstant(m, "STAGE_FDS", STAGE_FDS) < 0 ||
        PyModule_AddIntConstant(m, "STAGE_GO", STAGE_GO) < 0 ||
        PyModule_AddIntConstant(m, "STAGE_SECCOMP", STAGE_SECCOMP) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
