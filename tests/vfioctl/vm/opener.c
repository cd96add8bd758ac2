// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opener PATH SECONDS HOLD_US: opens PATH read-write again and again for
 * SECONDS, holding it HOLD_US each time, as a VM that starts opens its
 * group; prints "N opens: B EBUSY, E other errors". For vm-busy.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = 0, busy = 0, other = 0, hold;
	struct timespec ts;
	time_t end;

	if (argc != 4) {
		fprintf(stderr, "usage: opener PATH SECONDS HOLD_US\n");
		return 2;
	}
	hold = atol(argv[3]);
	ts.tv_sec = hold / 1000000;
	ts.tv_nsec = (hold % 1000000) * 1000;
	end = time(NULL) + atol(argv[2]);
	while (time(NULL) < end) {
		int fd = open(argv[1], O_RDWR | O_CLOEXEC);

		n++;
		if (fd < 0) {
			if (errno == EBUSY)
				busy++;
			else
				other++;
			continue;
		}
		if (hold)
			nanosleep(&ts, NULL);
		close(fd);
	}
	printf("%ld opens: %ld EBUSY, %ld other errors\n", n, busy, other);
	return 0;
}
