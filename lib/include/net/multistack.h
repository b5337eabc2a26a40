/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The header name applications of the 2015 MultiStack included: kept so that
 * such an application needs only its ioctl() call changed to ms_msreq_ioctl().
 */
#ifndef MULTISTACK_NET_MULTISTACK_H
#define MULTISTACK_NET_MULTISTACK_H

#include "multistack/ms_app.h"

#endif
