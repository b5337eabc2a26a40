// SPDX-License-Identifier: BSD-2-Clause
/* MS_HAVE_CLOSE_FD: 5.11 turned __close_fd(files, fd) into close_fd(fd). */
#include <linux/fdtable.h>
#include <linux/file.h>

int ms_probe(unsigned int fd);
int ms_probe(unsigned int fd)
{
	return close_fd(fd);
}
