// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kernel API differences, each behind one wrapper.  The MS_HAVE_* macros come
 * from ms_linux_config.h, which probes/ compiles against the target kernel.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "ms_linux.h"
#include "ms_linux_config.h"

/* 5.12 dropped sock_from_file()'s error argument. */
struct socket *ms_compat_sock_from_file(struct file *file)
{
#ifdef MS_HAVE_SOCK_FROM_FILE_ONE_ARG
	return sock_from_file(file);
#else
	int err;

	return sock_from_file(file, &err);
#endif
}

/* get_random_u64() appeared in 4.11; older kernels fill bytes. */
u64 ms_compat_random_u64(void)
{
#ifdef MS_HAVE_GET_RANDOM_U64
	return get_random_u64();
#else
	u64 value;

	get_random_bytes(&value, sizeof(value));
	return value;
#endif
}

/* 5.11 renamed __close_fd(current->files, fd) to close_fd(fd). */
int ms_compat_close_fd(int fd)
{
#ifdef MS_HAVE_CLOSE_FD
	return close_fd((unsigned int) fd);
#else
	return __close_fd(current->files, (unsigned int) fd);
#endif
}
