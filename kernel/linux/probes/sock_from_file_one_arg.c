// SPDX-License-Identifier: BSD-2-Clause
/* MS_HAVE_SOCK_FROM_FILE_ONE_ARG: 5.12 dropped sock_from_file()'s error argument. */
#include <linux/net.h>

struct socket *ms_probe(struct file *file);
struct socket *ms_probe(struct file *file)
{
	return sock_from_file(file);
}
