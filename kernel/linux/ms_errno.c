// SPDX-License-Identifier: BSD-2-Clause
/* The one place where the core's status codes become errno values. */
#include <linux/errno.h>

#include "ms_linux.h"

int ms_status_errno(enum ms_status status)
{
	switch (status) {
	case MS_OK:
		return 0;
	case MS_ERR_INVAL:
		return EINVAL;
	case MS_ERR_NOMEM:
		return ENOMEM;
	case MS_ERR_INUSE:
		return EADDRINUSE;
	case MS_ERR_EXISTS:
		return EEXIST;
	case MS_ERR_NOENT:
		return ENOENT;
	case MS_ERR_PERM:
		return EPERM;
	}
	return EINVAL;
}
