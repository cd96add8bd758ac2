// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs a command RUNS times (stdout and stderr to /dev/null) and prints
 * the median wall time in microseconds. Usage: timeit RUNS CMD [ARG...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs, i;
	double *t;

	if (argc < 3 || (runs = atoi(argv[1])) < 1)
		return 2;
	t = calloc(runs, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < runs; i++) {
		struct timespec a, b;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			dup2(fd, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			return 1;
		t[i] = (b.tv_sec - a.tv_sec) * 1e6 +
		       (b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(t, runs, sizeof(*t), cmp);
	printf("%.0f\n", t[runs / 2]);
	return 0;
}
