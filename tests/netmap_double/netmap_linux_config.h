/* SPDX-License-Identifier: BSD-2-Clause */
/* TEST DOUBLE: stands in for the header netmap's configure generates; nothing to probe here. */
#ifndef NETMAP_DOUBLE_LINUX_CONFIG_H
#define NETMAP_DOUBLE_LINUX_CONFIG_H
#define NETMAP_DOUBLE 1
#endif
