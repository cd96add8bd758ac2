// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Wall times and peak memory of commands, for make bench. stdout and
 * stderr of the commands go to /dev/null.
 *
 *   timeit RUNS A... [--vs B...]
 *	Without --vs: the median wall time of RUNS runs of A, in us.
 *	With --vs: RUNS pairs of A and B back to back (B first in every
 *	other pair); prints
 *	"MED_A MED_B RATIO RATIO_MIN RATIO_MAX" where RATIO is the median
 *	of the per-pair ratios A/B (the machine's drift cancels in a pair).
 *   timeit -m A...
 *	A's peak resident set (VmHWM, KiB), read from /proc at its exit:
 *	getrusage() would also count the pages timeit itself had before the
 *	exec, which are more than a small static program uses.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void quiet(void)
{
	int fd = open("/dev/null", O_WRONLY);

	dup2(fd, 1);
	dup2(fd, 2);
}

/* One run of argv: its wall time in us, or -1. */
static double run(char **argv)
{
	struct timespec a, b;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		quiet();
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	return (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
}

static double median(double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Stops the child at its exit (PTRACE_O_TRACEEXIT), while its mm lives. */
static int peak_rss(char **argv)
{
	char path[64], line[128];
	long kib = -1;
	int status;
	pid_t pid = fork();
	FILE *f;

	if (pid == 0) {
		quiet();
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		return 1;
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_TRACEEXIT);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);

		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f))
				if (!strncmp(line, "VmHWM:", 6))
					kib = atol(line + 6);
			if (f)
				fclose(f);
			sig = 0;
		} else if (sig == SIGTRAP) {
			sig = 0; /* the stop after exec */
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return 1;
	if (kib < 0)
		return 1;
	printf("%ld\n", kib);
	return 0;
}

int main(int argc, char **argv)
{
	char **a, **b = NULL;
	double *ta, *tb, *r;
	int runs, i;

	if (argc >= 3 && !strcmp(argv[1], "-m"))
		return peak_rss(argv + 2);
	if (argc < 3 || (runs = atoi(argv[1])) < 1)
		return 2;
	a = argv + 2;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--vs")) {
			argv[i] = NULL;
			b = argv + i + 1;
			break;
		}
	}
	if (b && !b[0])
		return 2;
	ta = calloc(runs, sizeof(*ta));
	tb = calloc(runs, sizeof(*tb));
	r = calloc(runs, sizeof(*r));
	if (!ta || !tb || !r)
		return 1;
	for (i = 0; i < runs; i++) {
		/* Every other pair runs B first: neither goes first always. */
		if (b && i % 2 && (tb[i] = run(b)) <= 0)
			return 1;
		ta[i] = run(a);
		if (ta[i] < 0)
			return 1;
		if (!b)
			continue;
		if (!(i % 2) && (tb[i] = run(b)) <= 0)
			return 1;
		r[i] = ta[i] / tb[i];
	}
	if (!b) {
		printf("%.0f\n", median(ta, runs));
		return 0;
	}
	printf("%.0f %.0f", median(ta, runs), median(tb, runs));
	printf(" %.3f", median(r, runs)); /* sorts r */
	printf(" %.3f %.3f\n", r[0], r[runs - 1]);
	return 0;
}
